"""Measure the demand classifier on held-out texts, then train it on the whole corpus and save it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from demands import classify


class Command(BaseCommand):
    help = ("Train the type and category classifier on demands/corpus/labelled.jsonl: print top-1 accuracy and "
            "macro-F1 on a stratified held-out split, then retrain on all texts and save it to CLASSIFIER_PATH "
            "(var/classifier.joblib). `make install` and the Docker image run it; requests never train.")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=0, help="seed of the split and the models (default 0)")
        parser.add_argument("--test-size", type=float, default=0.2, help="held-out share (default 0.2)")
        parser.add_argument("--output", default="", help="where to save the model (default CLASSIFIER_PATH)")

    def handle(self, *args, seed, test_size, output, **options):
        if not 0 < test_size < 1:
            raise CommandError("--test-size must be between 0 and 1.")
        rows = classify.load_corpus()
        digest = classify.corpus_digest()
        self.stdout.write(f"Corpus: {len(rows)} texts, {len({r['category'] for r in rows})} sub-categories, "
                          f"{len({r['type'] for r in rows})} types (digest {digest}).")

        held = classify.evaluate(rows, seed=seed, test_size=test_size)
        self.stdout.write(f"Held-out split ({test_size:.0%}, stratified by sub-category, seed {seed}): "
                          f"{held['train']} train / {held['test']} test")
        self._scores(held)
        self.stdout.write(f"  confident (both >= {classify.auto_threshold():.2f}): "
                          f"{held['confident_share']:.1%} of the test texts, "
                          f"{held['confident_accuracy']:.1%} of them right in type and sub-category")

        unseen = classify.evaluate(rows, seed=seed, test_size=test_size, by_phrase=True)
        self.stdout.write(f"Unseen phrasings (every text of a held-out phrase left out): {unseen['test']} test")
        self._scores(unseen)

        model = classify.train(rows, seed=seed, digest=digest)
        demo = classify.score_demo_texts(model)
        self.stdout.write(f"Demo texts (demands/demo_content.py, not in the corpus): {demo['test']} texts")
        self._scores(demo)

        path = classify.save(model, Path(output) if output else None)
        classify.forget()
        self.stdout.write(self.style.SUCCESS(
            f"Trained on all {len(rows)} texts in {model.trained_seconds:.1f} s; saved to {path}"))

    def _scores(self, result):
        for key, label in (("type", "type"), ("category", "sub-category"), ("top_category", "top-level category")):
            s = result[key]
            self.stdout.write(f"  {label:<20} accuracy {s['accuracy']:.3f}  macro-F1 {s['macro_f1']:.3f}")
