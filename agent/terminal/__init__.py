"""The terminal half of nemo-chat: the REPL, piped mode and the renderers of core events.

Nothing here decides what a message means (that is the conversation core); this package only
reads what the person types and lays out the events the core emits, rich on a terminal and
plain text in a pipe. Modules import their heavy libraries themselves, so importing the
package costs nothing at start-up.
"""
