"""Suggested type and category of a demand: linear models trained on the shipped labelled corpus.

Features are the words of `demands.text.terms` (jieba with the civic dictionary, stop words dropped) and
character 1–3-grams, both TF-IDF weighted; one linear SVM predicts the type, another the sub-category (the
top level follows), each with probabilities calibrated by temperature scaling on folds that keep every text of
one hand-written phrase together (so a confidence says how sure the model is about wordings it has not seen).

`python manage.py train_classifier` measures and saves the model to CLASSIFIER_PATH (var/classifier.joblib):
`make install` and the Docker image build it. A request never trains one (seconds of CPU in every process):
without a usable saved model the portal says so in its log, the classify API answers 503, and demands come in
without a suggestion, for the dispatcher to classify as before.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError

logger = logging.getLogger(__name__)

CORPUS = Path(__file__).with_name("corpus") / "labelled.jsonl"
FORMAT = 1  # bump when the saved object changes shape
C_SVM = 0.5  # regularisation of both models (chosen on the held-out split; 0.5-1 score alike)
# Below this the suggestion names no category: the text is about nothing the corpus knows.
MIN_CATEGORY_CONFIDENCE = 0.2


def model_path() -> Path:
    return Path(settings.CLASSIFIER_PATH)


class ClassifierUnavailable(ApplicationError):
    code = "classifier_unavailable"
    http_status = 503
    default_message = _("Automatic suggestions are not available at the moment; please choose the type and "
                        "category yourself.")


def words(text: str) -> list[str]:
    """Analyzer of the word features (module level so that the saved model can be loaded again)."""
    from .text import terms

    return terms(text)


def load_corpus(path: Path = CORPUS) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def corpus_digest(path: Path = CORPUS) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@dataclass
class Classifier:
    features: object
    type_model: object
    category_model: object
    digest: str = ""
    format: int = FORMAT
    trained_seconds: float = 0.0
    samples: int = 0
    metrics: dict = field(default_factory=dict)

    def predict(self, texts: list[str]) -> list[dict]:
        x = self.features.transform(texts)
        type_proba = self.type_model.predict_proba(x)
        category_proba = self.category_model.predict_proba(x)
        out = []
        for tp, cp in zip(type_proba, category_proba):
            t, c = tp.argmax(), cp.argmax()
            out.append({"type": str(self.type_model.classes_[t]), "type_confidence": float(tp[t]),
                        "category": str(self.category_model.classes_[c]), "category_confidence": float(cp[c])})
        return out


def _features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([
        ("words", TfidfVectorizer(analyzer=words, sublinear_tf=True)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2)),
    ])


def _model(x, labels: list[str], groups: list[str], seed: int):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import GroupKFold
    from sklearn.svm import LinearSVC

    # Calibration folds never split a phrase: scores calibrated on texts whose wording the model has seen
    # would be overconfident on a resident's own words.
    folds = list(GroupKFold(n_splits=3).split(x, labels, groups))
    svm = LinearSVC(C=C_SVM, random_state=seed)
    return CalibratedClassifierCV(svm, method="temperature", cv=folds).fit(x, labels)


def train(rows: list[dict], *, seed: int = 0, digest: str = "") -> Classifier:
    started = time.perf_counter()
    texts = [r["text"] for r in rows]
    groups = [r.get("phrase") or f"row{i}" for i, r in enumerate(rows)]
    features = _features()
    x = features.fit_transform(texts)
    type_model = _model(x, [r["type"] for r in rows], groups, seed)
    category_model = _model(x, [r["category"] for r in rows], groups, seed)
    return Classifier(features=features, type_model=type_model, category_model=category_model, digest=digest,
                      trained_seconds=round(time.perf_counter() - started, 2), samples=len(rows))


def evaluate(rows: list[dict], *, seed: int = 0, test_size: float = 0.2, by_phrase: bool = False) -> dict:
    """Train on one part of the corpus and score the other.

    Stratified by sub-category; with by_phrase=True every text of one hand-written phrase falls on the same side,
    which measures how the model does on wordings it has never seen (a harder, more honest figure)."""
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    indices = list(range(len(rows)))
    if by_phrase:
        splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
        train_idx, test_idx = next(splitter.split(indices, groups=[r.get("phrase", i) for i, r in enumerate(rows)]))
    else:
        train_idx, test_idx = train_test_split(indices, test_size=test_size, random_state=seed,
                                               stratify=[r["category"] for r in rows])
    model = train([rows[i] for i in train_idx], seed=seed)
    return {"train": len(train_idx), **score(model, [rows[i] for i in test_idx])}


def score(model: Classifier, rows: list[dict]) -> dict:
    """Top-1 accuracy and macro-F1 of type, sub-category and top-level category on labelled rows."""
    from sklearn.metrics import accuracy_score, f1_score

    predicted = model.predict([r["text"] for r in rows])

    def scores(truth, guess):
        return {"accuracy": accuracy_score(truth, guess), "macro_f1": f1_score(truth, guess, average="macro")}

    threshold = auto_threshold()
    confident = [(p, r) for p, r in zip(predicted, rows)
                 if min(p["type_confidence"], p["category_confidence"]) >= threshold]
    right = sum(1 for p, r in confident if p["type"] == r["type"] and p["category"] == r["category"])
    return {
        "test": len(rows),
        "type": scores([r["type"] for r in rows], [p["type"] for p in predicted]),
        "category": scores([r["category"] for r in rows], [p["category"] for p in predicted]),
        "top_category": scores([r["category"].split(".")[0] for r in rows],
                               [p["category"].split(".")[0] for p in predicted]),
        "confident_share": len(confident) / len(rows) if rows else 0.0,
        "confident_accuracy": right / len(confident) if confident else 0.0,
    }


def score_demo_texts(model: Classifier) -> dict:
    """Score on the demo seed texts: written separately from the corpus, so never trained on."""
    from .demo_content import DEMAND_TEXTS

    rows = [{"text": text.format(community="白鹤村", landmark="菜市场"), "type": demand_type, "category": code}
            for code, examples in DEMAND_TEXTS.items() for demand_type, text in examples]
    return score(model, rows)


def auto_threshold() -> float:
    return float(getattr(settings, "AUTO_CLASSIFY_CONFIDENCE", 0.85))


# ---------------------------------------------------------------- the process's model

_lock = threading.Lock()
_classifier: Classifier | None = None
_NOT_FAILED = object()
# What the model file looked like when it could not be used: it is tried again only once it changed.
_failed_on: object = _NOT_FAILED


def save(classifier: Classifier, path: Path | None = None) -> Path:
    import joblib

    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump(classifier, tmp)
    tmp.replace(path)  # readers never see a half-written file
    return path


def load(path: Path | None = None) -> Classifier | None:
    """The saved model, or None if there is none, it cannot be read, or it was trained on another corpus."""
    import joblib

    path = path or model_path()
    if not path.exists():
        return None
    try:
        classifier = joblib.load(path)
    except Exception:  # a model saved by another scikit-learn version, a truncated file ...
        logger.warning("Cannot load the classifier at %s.", path, exc_info=True)
        return None
    if getattr(classifier, "format", None) != FORMAT or classifier.digest != corpus_digest():
        logger.warning("The classifier at %s was trained on another corpus.", path)
        return None
    return classifier


def _file_state(path: Path):
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def get_classifier() -> Classifier:
    """The saved model, loaded once per process; ClassifierUnavailable without a usable one (never trained here)."""
    global _classifier, _failed_on
    if _classifier is None:
        with _lock:
            if _classifier is None:
                path = model_path()
                state = _file_state(path)
                if state == _failed_on:  # a stat, not a second attempt at loading the same broken file
                    raise ClassifierUnavailable()
                classifier = load(path)
                if classifier is None:
                    _failed_on = state
                    logger.error("No usable classifier at %s: demands come in without a suggested type and category "
                                 "and none is routed automatically. Build it with `python manage.py "
                                 "train_classifier` (make install and the Docker image do).", path)
                    raise ClassifierUnavailable()
                _classifier, _failed_on = classifier, _NOT_FAILED  # published only when complete
    return _classifier


def forget() -> None:
    """Drop the process's model (after train_classifier saved a new one, and in tests)."""
    global _classifier, _failed_on
    with _lock:
        _classifier, _failed_on = None, _NOT_FAILED


def suggest(content: str) -> dict:
    """{"type", "category", "confidence", "type_confidence", "category_confidence"} for a text.

    `category` is a sub-category code, or None when no category reaches MIN_CATEGORY_CONFIDENCE;
    `confidence` is the lower of the two confidences, so a confident suggestion is confident in both.
    Raises ClassifierUnavailable without a saved model."""
    content = (content or "").strip()
    if not content:
        return {"type": None, "category": None, "confidence": 0.0, "type_confidence": 0.0, "category_confidence": 0.0}
    guess = get_classifier().predict([content[:2000]])[0]
    type_confidence = round(guess["type_confidence"], 3)
    category_confidence = round(guess["category_confidence"], 3)
    category = guess["category"] if category_confidence >= MIN_CATEGORY_CONFIDENCE else None
    return {
        "type": guess["type"],
        "category": category,
        "confidence": min(type_confidence, category_confidence),
        "type_confidence": type_confidence,
        "category_confidence": category_confidence,
    }
