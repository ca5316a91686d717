"""FSM flows for multi-step dialogs, each cancellable at any step."""
