"""Training recipes: `clirbench train RECIPE.yaml` (OPTICAL: optimal-transport distillation
of a student query encoder) and `clirbench experiment GRID.yaml`. Nothing imports this layer."""
