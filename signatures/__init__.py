"""PKI and PAdES PDF signatures and their verification.

Imports neither flask, portal nor workflow.
"""
