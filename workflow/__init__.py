"""The one-stop case domain: lifecycle, working calendar, deadlines, dossier codes.

Imports neither flask, portal nor signatures.
"""
