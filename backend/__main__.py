"""`python -m backend`: the local NemoVideo backend, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from backend.settings import BackendSettings, default_data_dir

EPILOG = """\
endpoints (the NemoVideo API, see README "Offline use"):
  POST /api/auth/anonymous-token            header X-Client-Id -> token (100 credits, 7 days)
  POST /api/tasks/me/with-session/nemo_agent  -> task_id, session_id
  POST /run_sse                             the scripted editing agent (Server-Sent Events)
  POST /api/upload-video/nemo_agent/me/<sid>  multipart "files" or {"urls": [...]}
  GET  /api/credits/balance/simple
  GET  /api/state/nemo_agent/me/<sid>/latest
  POST /api/render/proxy/lambda             export; GET .../lambda/<id> to poll,
                                            POST .../lambda/<id>/cancel,
                                            GET /api/render/proxy/<id>/download

prices (credits; a new token starts with {initial}, shown by GET /api/credits/balance/simple):
  an edit turn (durations, motion, transitions, titles, music volume, order)  {edit}
  a turn that generates (animating photos, making a music bed)            {edit} + {gen}
  a question ("how long is it?"), undo, a refusal, a turn that changes nothing   0
  an export (POST /api/render/proxy/lambda)                                 0
  Each reply of the editing agent says what its turn cost.

fault injection (for testing clients; no token needed):
  POST   /_nemo/faults   arm faults, JSON: {"route": R, "kind": K, "count": N, ...}
  GET    /_nemo/faults   list armed faults
  DELETE /_nemo/faults   clear them
  routes R: token session run_sse upload credits state render_submit render_status
            render_cancel render_download files *
  kinds K:  error (code, status, message, retry_after)   delay (seconds)
            drop (after_events | after_bytes)            heartbeats_only (seconds)
            stall (after_events, seconds)
            malformed (raw, after_events)                stream_error (style, message)
            temporary_issue   no_text   wrapped   stuck (progress)   ignore_range
  example:  curl -X POST localhost:8765/_nemo/faults \\
              -d '{"route": "credits", "kind": "error", "code": 1001}'
  other test hooks: POST /_nemo/credits {"user_id", "available"}, POST /_nemo/tokens/expire
  (full reference: the docstring of backend/faults.py)
"""


def _epilog() -> str:
    """The endpoints, prices (from the settings' defaults, so they cannot drift) and faults."""
    fields = BackendSettings.model_fields
    return EPILOG.replace("{initial}", str(fields["initial_credits"].default)).replace(
        "{edit}", str(fields["edit_cost"].default)).replace("{gen}", str(fields["generation_cost"].default))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m backend",
        description="The local NemoVideo backend: the same HTTP API as the service, offline, "
                    "with a scripted editing agent (English and Chinese) and real MP4 renders.",
        epilog=_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; anything else needs "
                             "--allow-remote)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow --host to be a non-loopback address (no TLS, anonymous "
                             "tokens: only on a network you trust)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=f"where sessions, uploads, renders live (default {default_data_dir()})")
    parser.add_argument("--event-family", choices=["adk", "typed"], default="adk",
                        help="/run_sse payloads: ADK events (default) or typed events")
    parser.add_argument("--generation-seconds", type=float, default=3.0,
                        help="how long the agent's 'generation' step takes (default 3)")
    parser.add_argument("--heartbeat-interval", type=float, default=15.0,
                        help="seconds of silence before a heartbeat is sent (default 15)")
    parser.add_argument("--no-text-ratio", type=float, default=0.3,
                        help="share of edits answered with no text at all (default 0.3)")
    parser.add_argument("--seed", type=int, default=None,
                        help="make replies and the no-text choice repeatable")
    parser.add_argument("--render-max-height", type=int, default=None,
                        help="cap rendered frame height (e.g. 360 for quick previews)")
    parser.add_argument("--render-fps", type=int, default=None, help="rendered frame rate")
    parser.add_argument("--no-attribution-check", action="store_true",
                        help="allow export without the X-Skill-* headers (else 402)")
    parser.add_argument("--fail-interrupted-jobs", action="store_true",
                        help="mark render jobs interrupted by a restart failed instead of "
                             "resuming them")
    return parser


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not _is_loopback(args.host):
        if not args.allow_remote:
            print(f"error: --host {args.host} is not a loopback address; add --allow-remote "
                  "if you really want other machines to reach this backend", file=sys.stderr)
            return 2
        print(f"warning: listening on {args.host}: anyone who can reach this address can use "
              "the backend (no TLS, anonymous tokens)", file=sys.stderr)
    try:
        settings = BackendSettings(
            **({"data_dir": args.data_dir} if args.data_dir else {}),
            event_family=args.event_family, generation_seconds=args.generation_seconds,
            heartbeat_interval=args.heartbeat_interval, no_text_ratio=args.no_text_ratio,
            seed=args.seed, render_max_height=args.render_max_height,
            render_fps=args.render_fps,
            require_attribution_for_export=not args.no_attribution_check,
            resume_jobs=not args.fail_interrupted_jobs)
    except ValueError as exc:
        print(f"error: {str(exc).splitlines()[-1].strip()}", file=sys.stderr)
        return 2
    import logging

    import uvicorn

    from backend.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")

    app = create_app(settings)
    if args.port == 0:
        from backend.serve import free_port

        args.port = free_port(args.host)
    print(f"NemoVideo local backend on http://{args.host}:{args.port}  "
          f"(data: {app.state.settings.data_dir}; Ctrl-C to stop)", file=sys.stderr)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning",
                            access_log=False, timeout_graceful_shutdown=2, ws="none")
    shutting_down = app.state.backend.shutting_down

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: object) -> None:
            shutting_down.set()  # open event streams end now instead of holding the exit
            super().handle_exit(sig, frame)  # type: ignore[arg-type]

    server = Server(config)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):  # uvicorn exits on bind errors
        server.run()
    if not server.started:
        print(f"error: could not listen on {args.host}:{args.port} (in use? try --port 0)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
