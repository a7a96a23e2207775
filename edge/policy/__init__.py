"""Search and sharing policy: pure functions of (request, policy) returning a Decision with a reason.

Nothing here reads files, clocks or databases; ``edge.policy.build`` turns a loaded Config into the
immutable ``SearchPolicy`` these functions take.
"""
