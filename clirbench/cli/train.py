"""`clirbench train RECIPE`: train a recipe into a model folder (clirbench.api.train)."""

from clirbench.cli.render import bar, console


def add_parser(sub):
    p = sub.add_parser("train", help="train a recipe (recipes/*.yaml): a distilled student encoder, scored like any")
    p.add_argument("recipe", help="a recipe YAML file, e.g. recipes/optical.yaml")
    p.add_argument("--out", help="output folder (default: trained/<recipe>-<hash of its fields>); "
                                 "rerunning the same command resumes from its last checkpoint")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a recipe field, e.g. --set max_steps=40 (repeatable; values in YAML)")
    return p


def main(args) -> int:
    from clirbench.api import default_train_out, get_recipe, train_recipe
    from clirbench.train.loop import rounded

    recipe = get_recipe(args.recipe, args.set or [])  # a bad recipe is reported before the bar starts
    out = args.out or default_train_out(args.recipe, recipe)
    with bar() as progress:
        task = progress.add_task("training", total=recipe.max_steps, status="loading teacher and bitext")

        def on_step(report):
            progress.update(task, completed=report.step,
                            status=f"loss {report.loss:.4f}, {report.pairs_per_second:.1f} pairs/s")

        trained = train_recipe(recipe, out, on_step=on_step, log=lambda m: progress.console.log(m))
    manifest, dev = trained.manifest, trained.manifest.dev
    untrained = rounded(dev.teacher) if dev.teacher is not None else "-"
    console.print(f"model: {trained.folder}\n  steps {manifest.steps}, loss {manifest.loss.first} -> "
                  f"{manifest.loss.mean_last_10} (mean of the last 10)\n  dev by step: {dev.by_step} "
                  f"(untrained: {untrained})\nscore it: clirbench run --system {trained.folder} --task mlqa-r")
    return 0
