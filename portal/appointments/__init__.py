"""The public page of a provable appointment (``/hen-tra/<code>``)."""
