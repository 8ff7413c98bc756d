"""Train the face network: distillation from dlib descriptors + CosFace identities + attribute BCE.

Resumable: a checkpoint is written every epoch to the run directory and restored on restart.
The best epoch (by validation verification accuracy) is exported as the shipped inference model.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from model.training.crops import build_all, build_pairs_crops
from model.evaluate import read_pairs
from model.labels import read_attribute_file
from model.clustering import centroids
from model.matching import measure_thresholds
from model.training.data import TrainingSet, attribute_base_rates, build_training_set, epoch_batches, holdout_identities
from model.verification import verification_metrics, default_folds

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipe:
    """Hyper-parameters; written into the model card."""

    epochs: int = 40
    batch_size: int = 128
    learning_rate: float = 2e-3
    weight_decay: float = 5e-5
    warmup_steps: int = 150
    cosface_scale: float = 32.0
    cosface_margin: float = 0.25
    w_distill: float = 2.0
    w_relational: float = 4.0
    w_identity: float = 0.1
    w_attributes: float = 1.0
    w_neighbours: float = 0.0  # each face's softmax over its batch neighbours, as the teacher ranks them (KL)
    neighbour_temperature: float = 0.1
    # The same over every training face's teacher descriptor (the bank), so each face's nearest
    # neighbours include its own person's other faces, which a random batch almost never holds.
    w_bank_neighbours: float = 0.0
    bank_temperature: float = 0.05  # on the bank, ~80% of the teacher's softmax lies on the same person
    # The same ranking, the student's side taken among its own embeddings of the training faces (a memory
    # that each batch refreshes) instead of the teacher's descriptors.
    w_student_bank: float = 0.0
    # Share of a face's remembered embedding kept when a batch refreshes it, so the memory averages a face's
    # augmented views instead of holding the last one (0.5 measured no better than 0: see the model card).
    student_bank_momentum: float = 0.0
    centroid_mix: float = 0.0  # distillation target: this much of the identity's mean teacher descriptor
    small_face_share: float = 0.33  # share of each batch shrunk to 16-56 px and back
    identity_group_share: float = 0.0  # share of each batch drawn as 4-face groups of one identity
    input_size: int = 64
    width: float = 0.5
    output_stride: int = 32  # 16: the backbone's last downsampling block runs at stride 1
    init_from: str | None = None  # a saved model whose weights start a fresh run


def _augment(tf, images, input_size: int, small_face_share: float):
    """Flip, crop jitter, down-and-up scaling and colour on a uint8 batch; returns float 0..255."""
    n = tf.shape(images)[0]
    x = tf.cast(images, tf.float32)
    x = tf.where(tf.random.uniform([n, 1, 1, 1]) < 0.5, tf.image.flip_left_right(x), x)
    scale = tf.random.uniform([n], 0.86, 1.0)
    cy = 0.5 + tf.random.uniform([n], -0.04, 0.04)
    cx = 0.5 + tf.random.uniform([n], -0.04, 0.04)
    boxes = tf.stack([cy - scale / 2, cx - scale / 2, cy + scale / 2, cx + scale / 2], axis=1)
    x = tf.image.crop_and_resize(x, boxes, tf.range(n), (input_size, input_size))
    # Album faces are often small and soft: a share of each batch is shrunk to 16-56 px and back.
    small = tf.random.uniform([], 16, 56, dtype=tf.int32)
    soft = tf.image.resize(tf.image.resize(x, (small, small), antialias=True), (input_size, input_size))
    x = tf.where(tf.random.uniform([n, 1, 1, 1]) < small_face_share, soft, x)
    grey = tf.image.rgb_to_grayscale(x)
    saturation = tf.random.uniform([n, 1, 1, 1], 0.5, 1.4)
    saturation = tf.where(tf.random.uniform([n, 1, 1, 1]) < 0.1, 0.0, saturation)
    x = grey + (x - grey) * saturation
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    x = (x - mean) * tf.random.uniform([n, 1, 1, 1], 0.7, 1.3) + mean + tf.random.uniform([n, 1, 1, 1], -30, 30)
    return tf.clip_by_value(x, 0.0, 255.0)


def _neighbour_kl(tf, sim_student, sim_teacher, usable, temperature: float):
    """Mean KL from the teacher's to the student's softmax over each face's neighbours (columns).

    Verification turns on which faces lie nearest, and a squared error over all pairs of a batch is ruled by
    the many far ones; a softmax at a low temperature weighs the nearest. Only `usable` (1/0) pairs count:
    the caller leaves out faces without a teacher target and each face itself.
    """
    masked = 1e4 * (1.0 - usable)
    log_teacher = tf.nn.log_softmax((sim_teacher - masked) / temperature, axis=1)
    log_student = tf.nn.log_softmax((sim_student - masked) / temperature, axis=1)
    kl = tf.reduce_sum(usable * tf.exp(log_teacher) * (log_teacher - log_student), axis=1)
    rows = tf.reduce_max(usable, axis=1)  # faces with at least one usable neighbour
    return tf.reduce_sum(kl) / (tf.reduce_sum(rows) + 1e-6)


def _bank_neighbour_kl(tf, emb, teacher, teacher_w, bank, temperature: float, student_bank=None):
    """`_neighbour_kl` of each face over the bank (every training face's teacher descriptor, (M, 128)): the
    teacher's descriptor is compared with the bank, and the student's embedding with the bank too or, given
    `student_bank` (the student's own embeddings of the same faces, row for row), with those: then the
    student's own ranking of the training faces is taught, the one verification uses. A face's own row (and
    an exact duplicate photo's) is left out, as are faces without a teacher target."""
    bank_teacher = tf.matmul(teacher, bank, transpose_b=True)
    usable = tf.cast((teacher_w[:, None] > 0) & (bank_teacher < 0.9999), tf.float32)
    bank_student = tf.matmul(emb, bank if student_bank is None else student_bank, transpose_b=True)
    return _neighbour_kl(tf, bank_student, bank_teacher, usable, temperature)


def _refreshed_memory(tf, remembered, embeddings, momentum: float):
    """A memory's rows after a batch: `momentum` of what they held plus the rest of the batch's embeddings,
    back on the unit sphere (momentum 0: the batch's embeddings)."""
    return tf.math.l2_normalize(momentum * remembered + (1 - momentum) * embeddings, axis=1)


def _balanced_bce(tf, labels, probs, positive_rate):
    """BCE with each attribute's classes weighted equally, so a 3%-positive attribute is not ignored."""
    eps = 1e-6
    w_pos = 0.5 / positive_rate
    w_neg = 0.5 / (1.0 - positive_rate)
    loss = -(w_pos * labels * tf.math.log(probs + eps) + w_neg * (1 - labels) * tf.math.log(1 - probs + eps))
    return tf.reduce_mean(loss, axis=1)


def warm_start(core, saved_model: Path) -> None:
    """Copy a saved model's core weights into core; the input size and the width may differ.

    Every convolution is size-agnostic except the global depthwise kernel, whose side is the final
    feature map's: it is resampled to the new side and shifted so each channel's sum (the response to a
    uniform feature map) is kept. A wider core keeps the saved network's function: see `_widen`.
    """
    import tensorflow as tf
    from keras import layers

    from model.network import load_inference_model

    source = load_inference_model(saved_model).get_layer("face_core")
    if len(source.weights) != len(core.weights):
        raise ValueError(f"{saved_model} has a different architecture than the network being trained")
    depthwise = {id(w) for layer in _all_layers(core) if isinstance(layer, layers.DepthwiseConv2D) for w in layer.weights}
    for target, weight in zip(core.weights, source.weights):
        value, shape = weight.numpy(), tuple(target.shape)
        if value.shape != shape and len(shape) == 4 and value.shape[2:] == shape[2:]:
            side = shape[:2]
            kernel = tf.transpose(tf.image.resize(tf.transpose(value, (3, 0, 1, 2)), side), (1, 2, 3, 0)).numpy()
            value = kernel + (value.sum(axis=(0, 1)) - kernel.sum(axis=(0, 1))) / (side[0] * side[1])
        elif value.shape != shape:
            if len(value.shape) != len(shape) or any(s > t for s, t in zip(value.shape, shape)):
                raise ValueError(f"cannot map {weight.path} {value.shape} onto {shape}")
            value = _widen(target.numpy(), value, id(target) in depthwise)
        target.assign(value)
    log.info("warm start from %s", saved_model)


def _widen(fresh: np.ndarray, saved: np.ndarray, depthwise: bool) -> np.ndarray:
    """A wider layer's weights that compute what the saved ones did (Net2Net's idea, with random new units).

    The saved weights fill the leading slice; new output channels keep their fresh random start, and
    every convolution reads the new input channels with zero weights, so at first they change nothing
    downstream while their gradients are not zero. A depthwise kernel maps each channel to itself:
    its new channels stay random.
    """
    value = fresh.copy()
    value[tuple(slice(0, n) for n in saved.shape)] = saved
    if value.ndim >= 2 and not depthwise:  # kernels are (..., inputs, outputs)
        value[..., saved.shape[-2]:, :] = 0.0
    return value


def _all_layers(model):
    """Every layer of a model, nested models' layers included."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


class Trainer:
    """Owns the network, the CosFace class weights, the optimizer and the checkpoint."""

    def __init__(self, ts: TrainingSet, recipe: Recipe, run_dir: Path) -> None:
        import keras
        import tensorflow as tf

        from model.network import build_core

        self.tf, self.ts, self.recipe, self.run_dir = tf, ts, recipe, run_dir
        self._inference = None  # the shipped wrapper around self.core, built on first use
        self.core = build_core(recipe.input_size, recipe.width, recipe.output_stride)
        self.class_weights = tf.Variable(
            tf.random.normal([128, ts.n_classes], stddev=0.05, seed=1), name="cosface_weights"
        )
        steps = recipe.epochs * max(1, len(ts.crops) // recipe.batch_size)
        schedule = keras.optimizers.schedules.CosineDecay(
            0.0, steps, warmup_target=recipe.learning_rate, warmup_steps=recipe.warmup_steps, alpha=0.01
        )
        self.optimizer = keras.optimizers.AdamW(schedule, weight_decay=recipe.weight_decay, clipnorm=5.0)
        self.epoch = tf.Variable(0, dtype=tf.int64, name="epoch")
        self.best = tf.Variable(0.0, dtype=tf.float64, name="best_accuracy")
        self.checkpoint = tf.train.Checkpoint(
            core=self.core, class_weights=self.class_weights, optimizer=self.optimizer, epoch=self.epoch, best=self.best
        )
        self.manager = tf.train.CheckpointManager(self.checkpoint, str(run_dir / "checkpoints"), max_to_keep=2)
        if self.manager.latest_checkpoint:
            self.checkpoint.restore(self.manager.latest_checkpoint)
            log.info("resumed from %s at epoch %d", self.manager.latest_checkpoint, int(self.epoch.numpy()))
        elif recipe.init_from:
            warm_start(self.core, Path(recipe.init_from))
            self._class_weights_from_centroids()
        self.positive_rate = tf.constant(attribute_base_rates(ts), tf.float32)
        # (M, 128) unit rows: every training face's teacher descriptor, for the bank neighbour terms only
        in_bank = ts.teacher_weight > 0
        uses_bank = recipe.w_bank_neighbours > 0 or recipe.w_student_bank > 0
        self.bank = tf.constant(ts.teacher[in_bank], tf.float32) if uses_bank else None
        self.bank_row = np.where(in_bank, np.cumsum(in_bank) - 1, -1)  # each training face's bank row (-1: none)
        # The student's embeddings of the bank's faces, as the network is now (then refreshed batch by batch).
        self.student_bank = tf.Variable(self.embed(ts.crops[in_bank])[0]) if recipe.w_student_bank > 0 else None
        self._step = tf.function(self._train_step)

    def _class_weights_from_centroids(self) -> None:
        """Start each CosFace class at its faces' mean embedding: random class weights would send a large,
        meaningless identity gradient into a warm-started backbone for the first epochs."""
        ts = self.ts
        labelled = np.flatnonzero(ts.identity >= 0)
        if len(labelled) == 0:
            return
        emb, _ = self.embed(ts.crops[labelled])
        means = centroids(emb, ts.identity[labelled], ts.n_classes)
        empty = ~means.any(axis=1, keepdims=True)  # a class without faces keeps its random start
        self.class_weights.assign(np.where(empty, self.class_weights.numpy().T, means).T.astype(np.float32))

    def _train_step(self, images, teacher, teacher_w, identity, attributes, attr_mask, bank_row):
        tf, r = self.tf, self.recipe
        x = _augment(tf, images, r.input_size, r.small_face_share)
        with tf.GradientTape() as tape:
            emb, probs = self.core(x, training=True)
            cos_t = tf.reduce_sum(emb * teacher, axis=1)
            distill = tf.reduce_sum(teacher_w * (1 - cos_t)) / (tf.reduce_sum(teacher_w) + 1e-6)
            pair_w = teacher_w[:, None] * teacher_w[None, :]
            sim_student = tf.matmul(emb, emb, transpose_b=True)
            sim_teacher = tf.matmul(teacher, teacher, transpose_b=True)
            relational = tf.reduce_sum(pair_w * tf.square(sim_student - sim_teacher)) / (tf.reduce_sum(pair_w) + 1e-6)
            not_self = pair_w * (1.0 - tf.eye(tf.shape(pair_w)[0]))
            neighbours = _neighbour_kl(tf, sim_student, sim_teacher, tf.cast(not_self > 0, tf.float32),
                                       r.neighbour_temperature)
            bank_neighbours = (_bank_neighbour_kl(tf, emb, teacher, teacher_w, self.bank, r.bank_temperature)
                               if r.w_bank_neighbours > 0 else tf.constant(0.0))
            student_bank = (_bank_neighbour_kl(tf, emb, teacher, teacher_w, self.bank, r.bank_temperature,
                                               self.student_bank) if r.w_student_bank > 0 else tf.constant(0.0))
            w = tf.math.l2_normalize(self.class_weights, axis=0)
            cos = tf.matmul(emb, w)
            has_id = tf.cast(identity >= 0, tf.float32)
            onehot = tf.one_hot(tf.maximum(identity, 0), self.ts.n_classes)
            logits = r.cosface_scale * (cos - r.cosface_margin * onehot)
            ce = tf.nn.softmax_cross_entropy_with_logits(onehot, logits)
            identity_loss = tf.reduce_sum(has_id * ce) / (tf.reduce_sum(has_id) + 1e-6)
            attr = _balanced_bce(tf, attributes, probs, self.positive_rate)
            attr_loss = tf.reduce_sum(attr_mask * attr) / (tf.reduce_sum(attr_mask) + 1e-6)
            total = (
                r.w_distill * distill + r.w_relational * relational + r.w_neighbours * neighbours
                + r.w_bank_neighbours * bank_neighbours + r.w_student_bank * student_bank
                + r.w_identity * identity_loss + r.w_attributes * attr_loss
            )
        variables = self.core.trainable_variables + [self.class_weights]
        grads = tape.gradient(total, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        if r.w_student_bank > 0:
            in_bank = bank_row >= 0
            rows = tf.boolean_mask(bank_row, in_bank)[:, None]
            fresh = _refreshed_memory(tf, tf.gather_nd(self.student_bank, rows), tf.boolean_mask(emb, in_bank),
                                      r.student_bank_momentum)
            self.student_bank.scatter_nd_update(rows, fresh)
        return {"total": total, "distill": distill, "relational": relational, "neighbours": neighbours,
                "bank_neighbours": bank_neighbours, "student_bank": student_bank,
                "identity": identity_loss, "attributes": attr_loss}

    def train_epoch(self, rng: np.random.Generator) -> dict[str, float]:
        from tqdm import tqdm

        ts = self.ts
        batches = epoch_batches(ts.identity, self.recipe.batch_size, self.recipe.identity_group_share, rng)
        sums: dict[str, float] = {}
        n = 0
        bar = tqdm(batches, desc=f"epoch {int(self.epoch.numpy()) + 1}", mininterval=30)
        for idx in bar:
            out = self._step(
                ts.crops[idx], ts.teacher[idx], ts.teacher_weight[idx], ts.identity[idx],
                ts.attributes[idx], ts.attribute_mask[idx], self.bank_row[idx],
            )
            for k, v in out.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            n += 1
            bar.set_postfix({k: f"{v / n:.3f}" for k, v in sums.items()}, refresh=False)
        return {k: v / max(n, 1) for k, v in sums.items()}

    def embed(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inference on aligned 112 crops through the shipped model's wrapper (centre crop, flip), sharing weights."""
        from model.network import wrap_for_inference

        if self._inference is None:
            self._inference = wrap_for_inference(self.core)
        embs, attrs = [], []
        for s in range(0, len(crops), 256):
            out = self._inference(self.tf.cast(crops[s : s + 256], self.tf.float32), training=False)
            embs.append(out["embedding"].numpy())
            attrs.append(out["attributes"].numpy())
        return np.concatenate(embs), np.concatenate(attrs)


def _validation_sets(data_root: Path, cache_dir: Path, limit: int | None):
    """(val crops, pair indices, same) for verification, and held-out attribute crops + labels."""
    val = np.load(build_pairs_crops(data_root, cache_dir, 1 if limit else 2, limit))
    index = {Path(p).name: i for i, p in enumerate(val["path"])}
    root = data_root / "celeba-faces-val"
    listed = read_pairs(root / "pairs.csv", root)
    pairs = [
        (index[a.name], index[b.name], same)
        for a, b, same in zip(listed.first, listed.second, listed.same)
        if a.name in index and b.name in index
    ]
    if limit:  # smoke runs: held-out attribute images are not in the limited cache
        return val["crops"], np.array(pairs).reshape(-1, 3), np.zeros((0, 112, 112, 3), np.uint8), np.zeros((0, 40))
    aligned = np.load(cache_dir / "celeba-aligned.npz")
    held = {f"celeba-aligned:{i}" for i in holdout_identities(data_root)}
    keep = np.isin(aligned["identity"], list(held))
    _, labels = read_attribute_file(data_root / "celeba-aligned" / "list_attr_celeba.txt")
    attr_labels = np.stack([labels[Path(p).name] for p in aligned["path"][keep]])
    return val["crops"], np.array(pairs), aligned["crops"][keep], attr_labels


def validate(trainer: Trainer, val_crops, pairs, attr_crops, attr_labels) -> dict[str, float]:
    """Verification accuracy on the 6,000 unseen-people pairs (aligned-crop cache) and attribute balanced accuracy."""
    from sklearn.metrics import balanced_accuracy_score

    emb, _ = trainer.embed(val_crops)
    d = np.linalg.norm(emb[pairs[:, 0]] - emb[pairs[:, 1]], axis=1)
    same = pairs[:, 2].astype(bool)
    result = verification_metrics(d, same, default_folds(len(same)))
    metrics = {
        "val_accuracy": result.accuracy,
        "val_tar_far_1e3": result.tar_at_far_1e_3,
        "match_thresholds": asdict(measure_thresholds(d, same, result.threshold)),
    }
    if len(attr_crops):
        _, probs = trainer.embed(attr_crops)
        bal = [balanced_accuracy_score(attr_labels[:, j], probs[:, j] > 0.5) for j in range(attr_labels.shape[1])]
        metrics["attr_mean_balanced"] = float(np.mean(bal))
    return metrics


def _version(recipe: Recipe, epoch: int) -> str:
    """e.g. `mnv2-0.5-96-e20`; a warm-started run names its starting model: `mnv2-0.5-96-e20+mnv2-0.5-64-e24`."""
    stride = "" if recipe.output_stride == 32 else f"-s{recipe.output_stride}"
    version = f"mnv2-{recipe.width}-{recipe.input_size}{stride}-e{epoch}"
    if recipe.init_from:
        card = Path(recipe.init_from).with_suffix(".json")
        start = json.loads(card.read_text())["version"] if card.exists() else Path(recipe.init_from).stem
        version += f"+{start}"
    return version


def export(core, output: Path, card: dict) -> None:
    """Write the inference model around `core`, its runtime file and its model card.

    Each file is written atomically (readers never see half a file), the card last: it names the version.
    """
    from model.network import wrap_for_inference
    from model.alignment import CROP_SIZE
    from model.runtime import runtime_path, to_runtime_file

    output.parent.mkdir(parents=True, exist_ok=True)
    model = wrap_for_inference(core, card.get("attribute_base_rates"))
    tmp = output.with_name(output.stem + ".tmp.keras")
    model.save(tmp)
    os.replace(tmp, output)
    _write_atomically(runtime_path(output), to_runtime_file(model, [None, CROP_SIZE, CROP_SIZE, 3], float16=True))
    _write_atomically(output.with_suffix(".json"), json.dumps(card, indent=2).encode())


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    tmp.write_bytes(data)
    os.replace(tmp, path)


def train(data_root: Path, cache_dir: Path, run_dir: Path, output: Path, recipe: Recipe, limit: int | None = None) -> dict:
    """The whole training run; returns the final metrics."""
    run_dir.mkdir(parents=True, exist_ok=True)
    processes = 1 if limit else 2
    ts = build_training_set(
        data_root, build_all(data_root, cache_dir, processes, limit), limit=limit, centroid_mix=recipe.centroid_mix
    )
    val_crops, pairs, attr_crops, attr_labels = _validation_sets(data_root, cache_dir, limit)
    trainer = Trainer(ts, recipe, run_dir)
    rng = np.random.default_rng(int(trainer.epoch.numpy()))
    history_path = run_dir / "history.jsonl"
    metrics: dict = {}
    while int(trainer.epoch.numpy()) < recipe.epochs:
        t0 = time.time()
        losses = trainer.train_epoch(rng)
        trainer.epoch.assign_add(1)
        metrics = {"epoch": int(trainer.epoch.numpy()), **losses, **validate(trainer, val_crops, pairs, attr_crops, attr_labels)}
        metrics["seconds"] = round(time.time() - t0, 1)
        metrics["images_per_second"] = round(len(ts.crops) / metrics["seconds"], 1)
        log.info("epoch %s", json.dumps(metrics))
        with history_path.open("a") as fh:
            fh.write(json.dumps(metrics) + "\n")
        if metrics["val_accuracy"] >= float(trainer.best.numpy()):
            trainer.best.assign(metrics["val_accuracy"])
            card = {
                "version": _version(recipe, metrics["epoch"]),
                "recipe": asdict(recipe),
                "training_images": len(ts.crops),
                "identity_classes": ts.n_classes,
                "validation": metrics,
                "match_thresholds": metrics["match_thresholds"],
                "attribute_base_rates": [round(float(r), 5) for r in trainer.positive_rate.numpy()],
            }
            export(trainer.core, output, card)
        trainer.manager.save()
    return metrics


def run_train_command(args: argparse.Namespace) -> int:
    """`python app.py train`: build the crop cache if needed, train (resuming), export the model."""
    for name in ("centroid_mix", "small_face_share", "identity_group_share"):
        if not 0.0 <= getattr(args, name) <= 1.0:
            raise ValueError(f"--{name.replace('_', '-')} must be between 0 and 1, not {getattr(args, name)}")
    if not 0.0 <= args.student_bank_momentum < 1.0:
        raise ValueError(f"--student-bank-momentum must be at least 0 and below 1, not {args.student_bank_momentum}")
    for name in ("identity_weight", "attribute_weight", "neighbour_weight", "bank_neighbour_weight", "student_bank_weight"):
        if getattr(args, name) < 0:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 0, not {getattr(args, name)}")
    if not (args.data_root / "teacher" / "dlib-resnet128.npz").exists():
        raise FileNotFoundError(f"training data not found under {args.data_root}")
    recipe = Recipe(
        epochs=args.epochs, batch_size=args.batch_size, input_size=args.input_size, width=args.width,
        output_stride=args.output_stride,
        learning_rate=args.learning_rate, init_from=str(args.init_from) if args.init_from else None,
        centroid_mix=args.centroid_mix, small_face_share=args.small_face_share,
        identity_group_share=args.identity_group_share, w_identity=args.identity_weight,
        w_attributes=args.attribute_weight, w_neighbours=args.neighbour_weight,
        w_bank_neighbours=args.bank_neighbour_weight, w_student_bank=args.student_bank_weight,
        student_bank_momentum=args.student_bank_momentum,
    )
    # Never the shipped model unless asked: a run replaces it only once measured (MODEL_CARD.md).
    output = args.output or args.run_dir / "face_model.keras"
    metrics = train(args.data_root, args.cache_dir, args.run_dir, output, recipe, args.limit)
    print(json.dumps(metrics))
    return 0
