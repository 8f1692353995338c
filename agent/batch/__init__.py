"""`nemo-chat batch`: many photos, one command, one video each (a consumer of the core).

Each item runs the chat's own handlers (upload, relay, export) in its own session through
the core's face (`agent.core.run_batch_item`); this package adds what a batch needs around
them: the photos and the spec file (`photos.py`, `spec.py`), the plan with its file names
(`plan.py`), the manifest that makes a rerun resume (`manifest.py`), the bounded scheduler
(`runner.py`), the progress shown (`display.py`) and the run itself (`app.py`).
"""
