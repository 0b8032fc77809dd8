"""The local stack: one command runs Temporal, the mail sink, the worker and the web layer.

``python -m devstack`` (or ``scripts/run``) starts them on their embedded defaults, all
bound to 127.0.0.1 and all keeping their state in ``settings.data_dir``, so a second run
resumes where the first stopped. See ``devstack.supervisor`` for the order of things.
"""
