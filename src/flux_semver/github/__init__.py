"""The GitHub side of flux-semver, used by the Action (``entrypoint.py``).

``inputs`` reads and checks the action's inputs and the triggering event; ``where`` reads the
runner's environment; ``runner`` writes outputs, the job summary and annotations; ``api``
talks to GitHub through PyGithub; ``gitops`` builds and pushes the branches; ``checking``,
``release`` and ``rollback`` are the commands; ``outcome`` collects what a run produced; and
``action`` runs a command from start to end.
"""
