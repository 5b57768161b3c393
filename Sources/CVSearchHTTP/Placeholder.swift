// The HTTP layer lives here (see issue 4).
