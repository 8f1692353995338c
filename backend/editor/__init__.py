"""The scripted editing agent behind the local backend's /run_sse (no model, deterministic).

- `parse.py`: a message → edit operations, using the phrase tables in `phrases.json`
  (English, Simplified and Traditional Chinese substrings; quoted text for titles).
- `apply.py`: operations → a new draft in `backend/draft.py`'s schema, one tool call each.
- `turn.py`: what a turn says and in which order (intro, generation, two stages, summary
  with GUI phrases, the silent ~30%), from the templates in `replies.json`.

The vocabulary a person can use is listed in the README ("Offline use").
"""
