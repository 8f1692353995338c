"""The scripted editing agent behind the local backend's /run_sse (no model, deterministic).

- `parse.py`: a message → instructions (sentences, then pieces at commas) → operations.
- `extract.py`: the table of per-operation extractors (questions, negations, reorder,
  transitions, pace, motion strength, framing, titles moved) with `grammar_en.json` /
  `grammar_zh.json`; `extract_set.py`: the "set this" extractors with `phrases.json`;
  `extract_insert.py`: "add c.jpg to the end", 把新照片放在开头 (which uploads, where).
- `apply.py`: operations → a new draft in `backend/draft.py`'s schema, one tool call each;
  impossible ones (photo 5 of 3, a time past the end, -2 s, an empty title) change nothing.
  `insert.py`: how an added photo fits in (its length, motion and transition).
- `turn.py`: what a turn does and says; `receipt.py`: the reply's list of changes, computed
  from the drafts before and after; `answer.py`: questions answered from the draft;
  `speak.py`: the language of a message and templates from `replies.json` in it.
- `evaluate.py`: the labelled set's measure (`python -m backend.editor.evaluate FILE`).
"""
