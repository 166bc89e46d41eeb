"""How fast the team answers: the help desk's own figures, Ozon's grades, and the `/stats` report
that gathers them. Reads only."""
