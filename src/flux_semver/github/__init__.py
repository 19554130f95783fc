"""The GitHub side of flux-semver, used by the Action (``entrypoint.py``).

``inputs`` reads and checks the action's inputs and the triggering event; ``runner_env``
reads the runner's environment; ``runner`` writes outputs, the job summary and annotations;
``api`` talks to GitHub through PyGithub; ``gitops`` fetches, builds commits and pushes;
``checking``, ``release`` and ``rollback`` are the commands; ``change`` is what a release or a
rollback proposes; ``pull_plan`` decides, purely, what each pull request needs; ``report``
collects what a run produced; and ``action`` runs a command from start to end.
"""
