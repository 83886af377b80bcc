"""The messages between the GUI and the engine process (pure): ``commands`` go GUI ->
engine, ``events`` come back."""
