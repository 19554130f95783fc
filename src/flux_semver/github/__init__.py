"""The GitHub side of flux-semver, used by the Action (``entrypoint.py``).

``inputs`` reads and checks the action's inputs and the triggering event, ``runner`` writes
outputs, the job summary and annotations, ``api`` talks to GitHub through PyGithub,
``gitops`` builds and pushes the branches, and ``action`` runs a command from start to end.
"""
