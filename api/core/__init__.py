"""What the three front doors share: the gateway to Temporal, dependencies, security,
sessions, problems and answers, texts, and the views of a process. Imports no front door."""
