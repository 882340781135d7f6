"""Papers for the search tests: 60 hand-written digest entries, and a deterministic
generator of larger corpora drawn from their words.

The generated corpora keep the shape of real abstracts: the fixture's word
frequencies (stop words included) for most words, plus a long tail of rare
made-up words, the way a real corpus has names, acronyms and jargon.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter

from generator.search import SearchDocument

# id, day, title, authors, tags, has_code, abstract, notes
_FIXTURE: list[tuple[str, str, str, str, str, bool, str, str]] = [
    ("2503.10000", "2025-03-14", "Attention Is Still All You Need: Revisiting Transformers for Long Documents",
     "Ana Ruiz; Tomasz Nowak; Priya Raman", "Transformers; Language Models", True,
     "We revisit transformer architectures for long documents and show that a simple chunked attention "
     "pattern matches recent sparse variants. Our key observation is that positional interpolation, not "
     "the attention kernel, limits quality beyond 32k tokens. We release code and a benchmark of 1,200 "
     "legal and scientific documents.",
     "Clear ablations; the benchmark is the real contribution."),
    ("2503.10011", "2025-03-14", "A Survey of Retrieval-Augmented Generation",
     "Mei Lin; Jonas Weber", "Retrieval; Language Models; Survey", False,
     "Retrieval-augmented generation combines a parametric language model with a non-parametric memory. "
     "This survey organises more than 300 papers by retriever, reader and the ways they are trained "
     "jointly. We discuss evaluation, the key failure modes such as citation drift, and open problems in "
     "attribution.",
     ""),
    ("2503.10027", "2025-03-14", "Sparse Mixture-of-Experts Without Load Balancing Losses",
     "Kenji Sato; Laura Bianchi; Omar Haddad; Ines Costa", "Mixture of Experts; Efficiency", True,
     "Mixture-of-experts layers usually need an auxiliary loss to keep experts busy. We show that a "
     "routing rule based on expert capacity and a small bias update reaches the same balance without any "
     "auxiliary loss, and improves perplexity by 1.3 points at equal compute.",
     "Try this before tuning the aux loss coefficient."),
    ("2503.10102", "2025-03-13", "Diffusion Models Beat GANs on Tabular Data",
     "Sofia Petrova; Daniel Kim", "Diffusion Models; Tabular Data", True,
     "We adapt score-based diffusion to mixed numerical and categorical columns using a learned embedding "
     "of categories. On 15 benchmark tables the model improves machine learning efficacy of synthetic "
     "data over GAN and VAE baselines while preserving privacy metrics.",
     ""),
    ("2503.10155", "2025-03-13", "Graph Neural Networks for Molecular Property Prediction: A Reality Check",
     "Hannah Fischer; Rahul Mehta", "Graph Neural Networks; Chemistry", False,
     "Graph neural networks dominate leaderboards for molecular property prediction. Under scaffold splits "
     "and with tuned baselines, we find that random forests on fingerprints match or beat them on 9 of 12 "
     "datasets. We recommend stricter evaluation protocols.",
     "Uncomfortable but useful result."),
    ("2503.10203", "2025-03-12", "Quantum Error Correction with Surface Codes at Scale",
     "Oliver Grant; Yuki Tanaka; Marta Silva", "Quantum Computing; Error Correction", False,
     "We simulate surface codes with up to 10,000 physical qubits under circuit-level noise and estimate "
     "the logical error rate per round. A new decoder based on belief propagation followed by ordered "
     "statistics keeps the threshold near 1% while running in real time.",
     ""),
    ("2503.10250", "2025-03-12", "Efficient Fine-Tuning of Language Models with Low-Rank Adapters",
     "Arjun Patel; Chloe Martin", "Language Models; Efficiency; Fine-Tuning", True,
     "Low-rank adaptation freezes pretrained weights and trains small rank decomposition matrices. We "
     "study how the rank, the placement of adapters and the learning rate interact, and propose a schedule "
     "that grows the rank during training. It closes most of the gap to full fine-tuning.",
     "Good defaults table in section 5."),
    ("2503.10301", "2025-03-11", "On the Convergence of Adam in Nonconvex Optimization",
     "Lukas Becker; Elena Popescu", "Optimization; Theory", False,
     "We prove that Adam converges to a stationary point for smooth nonconvex objectives when the second "
     "moment parameter is close to one, without assuming bounded gradients. The rate matches stochastic "
     "gradient descent up to logarithmic factors.",
     ""),
    ("2503.10344", "2025-03-11", "Self-Supervised Learning of Speech Representations from Raw Audio",
     "Fatima Zahra; Pedro Alves", "Speech; Self-Supervised Learning", True,
     "We learn speech representations by predicting masked frames of raw audio with a contrastive loss "
     "over quantized targets. Fine-tuned on one hour of labelled data, the model halves the word error "
     "rate of previous approaches on noisy recordings.",
     ""),
    ("2503.10399", "2025-03-10", "Vision Transformers Need Registers",
     "Claire Dubois; Ivan Petrov", "Computer Vision; Transformers", True,
     "Vision transformers produce high-norm artifact tokens in background regions of attention maps. "
     "Adding a few learnable register tokens to the input sequence removes the artifacts, improves dense "
     "prediction and yields smoother attention maps for interpretability.",
     "Four extra tokens, big effect."),
    ("2503.10412", "2025-03-10", "Reinforcement Learning from Human Feedback: A Critical Survey",
     "Samuel Okafor; Julia Novak", "Reinforcement Learning; Alignment; Survey", False,
     "Reinforcement learning from human feedback aligns language models with preferences. We survey reward "
     "modelling, policy optimisation and direct preference methods, and catalogue known failure modes: "
     "reward hacking, sycophancy and mode collapse.",
     ""),
    ("2503.10488", "2025-03-10", "Neural Operators for Weather Forecasting",
     "Anders Nilsson; Grace Liu; Mohammed Aziz", "Scientific Machine Learning; Weather", True,
     "A Fourier neural operator trained on reanalysis data produces ten-day global forecasts in seconds. "
     "Its skill matches the operational numerical model for most variables up to five days, with the "
     "largest errors in precipitation extremes.",
     ""),
    ("2503.10521", "2025-03-07", "Scaling Laws for Data Filtering",
     "Rachel Green; Tao Zhang", "Language Models; Data", False,
     "Filtering web data improves models, but how does the benefit scale? We fit scaling laws that account "
     "for repeated high-quality data and show that aggressive filtering is optimal only for small compute "
     "budgets; at scale, diversity wins.",
     ""),
    ("2503.10577", "2025-03-07", "Provably Efficient Exploration in Linear Markov Decision Processes",
     "Nikhil Rao; Sarah Cohen", "Reinforcement Learning; Theory", False,
     "We give an algorithm for linear Markov decision processes whose regret is $O(d\\sqrt{H^3 T})$, "
     "improving the dependence on the horizon. The analysis uses a new variance-aware confidence set.",
     ""),
    ("2503.10630", "2025-03-06", "Membership Inference Attacks Against Diffusion Models",
     "Eva Lindqvist; Marco Rossi", "Privacy; Diffusion Models; Security", True,
     "We show that diffusion models memorise a measurable fraction of their training images. A loss-based "
     "membership inference attack reaches 0.9 AUC on models trained on small datasets, and differential "
     "privacy training reduces it at a cost in image quality.",
     ""),
    ("2503.10688", "2025-03-06", "Program Synthesis with Large Language Models and Execution Feedback",
     "David Levi; Aisha Bello", "Code Generation; Language Models", True,
     "Language models write better programs when they see the results of running them. We sample "
     "candidate programs, execute them on test inputs and feed errors back for repair. Five rounds of "
     "repair double the pass rate on competitive programming problems.",
     ""),
    ("2503.10701", "2025-03-05", "Causal Discovery from Time Series with Latent Confounders",
     "Helena Wójcik; Thomas Berg", "Causality; Time Series", False,
     "We extend constraint-based causal discovery to multivariate time series with hidden confounders. "
     "The method recovers the partial ancestral graph under faithfulness and performs well on climate and "
     "neuroscience data.",
     ""),
    ("2503.10766", "2025-03-05", "Faster Matrix Multiplication via Asymmetric Hashing",
     "Ran Duan; Hongxun Wu; Renfei Zhou", "Algorithms; Theory", False,
     "We improve the exponent of matrix multiplication to $\\omega < 2.371552$ by analysing the laser "
     "method with asymmetric hashing, which removes a loss in previous analyses of the Coppersmith-Winograd "
     "tensor.",
     ""),
    ("2503.10812", "2025-03-04", "Robust Speech Recognition via Large-Scale Weak Supervision",
     "Alec Park; Jong Wook Lee", "Speech; Robustness", True,
     "Trained on 680,000 hours of multilingual audio collected from the web, a simple encoder-decoder "
     "transformer transcribes and translates speech robustly in zero-shot settings, approaching human "
     "accuracy on several benchmarks.",
     ""),
    ("2503.10867", "2025-03-04", "Topological Data Analysis of Neural Network Loss Landscapes",
     "Irene Moreau; Paul Schmidt", "Deep Learning Theory; Topology", False,
     "We compute persistent homology of sublevel sets of loss landscapes and relate the number of "
     "persistent components to generalisation. Wider networks have fewer barriers between minima.",
     ""),
    ("2503.10900", "2025-03-03", "Photonic Chips for Neural Network Inference",
     "Lin Wei; Kofi Mensah", "Hardware; Efficiency", False,
     "An integrated photonic processor performs matrix-vector products with light, reaching 10 TOPS per "
     "watt. We demonstrate image classification with on-chip nonlinearities and discuss noise and "
     "calibration drift.",
     ""),
    ("2503.10955", "2025-03-03", "Learning to Play Board Games Without Human Knowledge",
     "Victor Hugo Lemaire; Sana Qureshi", "Reinforcement Learning; Games", True,
     "A single algorithm learns to play chess, shogi and Go from self-play alone. Monte Carlo tree search "
     "guided by a learned value and policy network reaches superhuman play in each game after hours of "
     "training.",
     "Played against it: it is strong."),
    ("2502.09001", "2025-02-28", "Equivariant Neural Networks for Particle Physics",
     "Jakob Müller; Chiara Ferri", "Physics; Equivariance", True,
     "Jet tagging benefits from Lorentz-equivariant architectures. Our network respects the symmetry "
     "exactly and improves top-quark tagging with ten times fewer parameters than a transformer baseline.",
     ""),
    ("2502.09044", "2025-02-28", "The Reversal Curse: Language Models Trained on A is B Fail to Learn B is A",
     "Mia Johansson; Ethan Brooks", "Language Models; Evaluation", False,
     "Models trained on statements of the form A is B do not generalise to B is A. Fine-tuning on "
     "fictitious facts shows the failure is robust across model sizes and families.",
     ""),
    ("2502.09103", "2025-02-27", "Data-Efficient Image Recognition with Contrastive Predictive Coding",
     "Zoe Adams; Farid Karimi", "Computer Vision; Self-Supervised Learning", False,
     "Contrastive predictive coding learns representations that make image recognition data-efficient: "
     "with 1% of labels, a linear classifier on top reaches accuracy that supervised training needs five "
     "times more data for.",
     ""),
    ("2502.09150", "2025-02-27", "Bayesian Optimization in High Dimensions via Random Embeddings",
     "Lea Hoffmann; Carlos Mendes", "Bayesian Optimization; Optimization", True,
     "Bayesian optimisation struggles beyond twenty dimensions. If the objective has low effective "
     "dimensionality, optimising over a random linear embedding finds good solutions; we give guarantees "
     "and a practical variant that adapts the embedding.",
     ""),
    ("2502.09222", "2025-02-26", "Hallucination Detection in Abstractive Summarization",
     "Noor Hassan; Benjamin Clarke", "Summarization; Evaluation", False,
     "Abstractive summarisers hallucinate facts absent from the source. We train a detector on "
     "synthetic perturbations and show that it correlates better with human judgements of faithfulness "
     "than entailment-based metrics.",
     ""),
    ("2502.09286", "2025-02-26", "Federated Learning with Heterogeneous Clients",
     "Ayumi Kato; Stefan Horvat", "Federated Learning; Privacy", True,
     "Clients in federated learning differ in data and hardware. We propose a proximal correction that "
     "keeps local updates from drifting and prove convergence under partial participation; accuracy "
     "improves on non-identically distributed benchmarks.",
     ""),
    ("2502.09311", "2025-02-25", "Gravitational Wave Detection with Convolutional Networks",
     "Amelia Ortiz; Rohan Das", "Physics; Astronomy", False,
     "Convolutional networks detect binary black hole mergers in detector strain data as reliably as "
     "matched filtering at a fraction of the cost, enabling low-latency alerts for follow-up observations.",
     ""),
    ("2502.09378", "2025-02-25", "Mechanistic Interpretability of Induction Heads",
     "Oscar Lund; Maya Shapiro", "Interpretability; Transformers", False,
     "Induction heads copy tokens that followed earlier occurrences of the current token. We trace their "
     "formation during training and argue they underlie most in-context learning in small transformers.",
     ""),
    ("2502.09420", "2025-02-24", "Neural Radiance Fields in the Wild",
     "Jonas Eriksen; Leila Haddad", "Computer Vision; 3D", True,
     "We extend neural radiance fields to unstructured photo collections with varying lighting and "
     "transient occluders by learning per-image appearance embeddings, producing consistent novel views "
     "of landmarks.",
     ""),
    ("2502.09466", "2025-02-24", "Chain-of-Thought Prompting Elicits Reasoning",
     "Hiro Yamada; Nadia Rahman", "Reasoning; Language Models", False,
     "Prompting large language models with worked examples of intermediate steps improves arithmetic, "
     "commonsense and symbolic reasoning. The benefit emerges only at sufficient model scale.",
     "Try zero-shot variants too."),
    ("2502.09503", "2025-02-21", "Differentially Private Stochastic Gradient Descent at Scale",
     "Alice Moreau; Bilal Khan", "Privacy; Optimization", True,
     "We train image classifiers with differential privacy to within a few points of non-private accuracy "
     "by using large batches, augmentation multiplicity and careful parameter averaging.",
     ""),
    ("2502.09567", "2025-02-21", "Protein Structure Prediction with Language Models",
     "Ruth Cohen; Mateo García", "Biology; Language Models", True,
     "A protein language model trained on 250 million sequences predicts atomic structure from a single "
     "sequence, an order of magnitude faster than alignment-based methods, with accuracy close to them for "
     "well-represented families.",
     ""),
    ("2502.09612", "2025-02-20", "Key-Value Cache Compression for Long-Context Inference",
     "Wen Huang; Sophie Laurent", "Efficiency; Language Models", True,
     "The key-value cache dominates memory during long-context inference. Keeping only the keys that "
     "received high attention and quantizing the rest to 2 bits reduces memory sixfold with little loss.",
     ""),
    ("2502.09680", "2025-02-20", "A Delay-Tolerant Protocol for Satellite Networks",
     "Marek Zielinski; Ana Lima", "Networking; Systems", False,
     "Satellite links suffer long delays and intermittent connectivity. Our delay-tolerant protocol "
     "stores bundles at relays and schedules transmissions with predicted contact plans, doubling goodput.",
     ""),
    ("2502.09711", "2025-02-19", "Learning Rate Warmup Explained",
     "Grace Obi; Henrik Sørensen", "Optimization; Deep Learning Theory", False,
     "Warmup lets training use larger learning rates by steering the network to flatter regions early. "
     "We connect this to the sharpness of the loss and propose a warmup-free initialisation.",
     ""),
    ("2502.09750", "2025-02-19", "Open-Vocabulary Object Detection",
     "Rui Chen; Amara Nwosu", "Computer Vision; Multimodal", True,
     "Aligning region features with text embeddings from a vision-language model lets a detector "
     "recognise categories never annotated in training, improving rare-class detection on long-tailed "
     "benchmarks.",
     ""),
    ("2502.09802", "2025-02-18", "Symbolic Regression with Transformers",
     "Luca Conti; Yara Haddad", "Scientific Machine Learning; Transformers", True,
     "A transformer trained on synthetic equations maps data points to symbolic expressions in one "
     "forward pass; refining the constants with gradient descent recovers physical laws from noisy "
     "measurements.",
     ""),
    ("2502.09851", "2025-02-18", "Tokenization Matters: Byte-Level Language Models",
     "Ivy Thompson; Karan Singh", "Language Models; Tokenization", False,
     "Byte-level models avoid tokenizer artifacts such as poor handling of numbers and rare scripts. "
     "A hierarchical architecture recovers the efficiency lost to longer sequences.",
     ""),
    ("2502.09900", "2025-02-17", "Continual Learning Without Catastrophic Forgetting",
     "Maria Kowalska; Ahmed Farouk", "Continual Learning", False,
     "Networks forget earlier tasks when trained on new ones. Replaying a small buffer of compressed "
     "activations, rather than raw inputs, retains accuracy on old tasks with a tenth of the memory.",
     ""),
    ("2502.09955", "2025-02-17", "Crystal Structure Generation with Diffusion",
     "Tariq Aziz; Ingrid Dahl", "Diffusion Models; Materials", True,
     "We generate periodic crystal structures with a diffusion model over lattice, coordinates and atom "
     "types, finding new stable materials confirmed by density functional theory calculations.",
     ""),
    ("2501.08001", "2025-01-31", "Schrödinger Bridges for Generative Modelling",
     "Łukasz Kowal; Élodie Martin", "Diffusion Models; Optimal Transport", False,
     "Schrödinger bridges connect two distributions with the most likely stochastic process. We solve "
     "them with iterative proportional fitting of score networks and obtain faster sampling than diffusion.",
     ""),
    ("2501.08044", "2025-01-31", "Spectral Graph Theory and Expander Decompositions",
     "Monika Henzinger; Raj Iyer", "Algorithms; Graphs", False,
     "We present near-linear time algorithms for expander decompositions using spectral sparsification "
     "and apply them to dynamic connectivity.",
     ""),
    ("2501.08090", "2025-01-30", "Array Programming with Lazy Evaluation",
     "Tom Hughes; Keiko Mori", "Programming Languages; Systems", True,
     "We describe a lazy array library that fuses element-wise operations and reductions at run time, "
     "matching hand-written kernels on many workloads without a compiler.",
     ""),
    ("2501.08133", "2025-01-30", "Benchmarking Large Language Models on Mathematical Olympiad Problems",
     "Ben Carter; Anika Roy", "Reasoning; Evaluation; Mathematics", False,
     "We collect 500 olympiad problems with verified solutions and grade model proofs with expert "
     "mathematicians. The best models solve a third of the problems, mostly in algebra.",
     ""),
    ("2501.08170", "2025-01-29", "Unsupervised Machine Translation Using Monolingual Corpora Only",
     "Guillaume Roux; Alexis Blanc", "Machine Translation", True,
     "Machine translation can be learned without parallel sentences: initialise with a bilingual "
     "dictionary inferred from embeddings, then iterate back-translation and denoising.",
     ""),
    ("2501.08222", "2025-01-29", "Optimal Transport for Domain Adaptation",
     "Nicolas Petit; Hyejin Park", "Optimal Transport; Domain Adaptation", False,
     "We align source and target distributions with an entropic optimal transport plan regularised by "
     "class labels, improving adaptation across visual domains.",
     ""),
    ("2501.08267", "2025-01-28", "Energy-Based Models are Secretly Classifiers",
     "Will Grathwohl; Kevin Swersky", "Generative Models", True,
     "Reinterpreting the logits of a standard classifier as an energy-based model of the joint "
     "distribution improves calibration, robustness and out-of-distribution detection.",
     ""),
    ("2501.08301", "2025-01-28", "Low-Latency Video Streaming with Learned Codecs",
     "Pablo Ruiz; Mina Cho", "Video; Compression", False,
     "Learned video codecs beat traditional ones in rate-distortion but add delay. We design a causal "
     "codec with bounded delay for interactive streaming.",
     ""),
    ("2501.08355", "2025-01-27", "Robustness of Image Classifiers to Natural Distribution Shift",
     "Eleanor Vance; Dmitri Sokolov", "Robustness; Computer Vision; Evaluation", False,
     "Accuracy drops on new test sets collected the same way as the originals. Effective robustness is "
     "rare: most models lie on a linear trend between in- and out-of-distribution accuracy.",
     ""),
    ("2501.08399", "2025-01-27", "Masked Autoencoders Are Scalable Vision Learners",
     "Kaiming Zhou; Xinlei Wang", "Computer Vision; Self-Supervised Learning", True,
     "Masking 75% of image patches and reconstructing the missing pixels is a simple, scalable "
     "self-supervised task; fine-tuned encoders transfer well to detection and segmentation.",
     ""),
    ("2501.08444", "2025-01-24", "The Lottery Ticket Hypothesis at Scale",
     "Jonathan Frankel; Mei Carbin", "Deep Learning Theory; Efficiency", False,
     "Sparse subnetworks found by iterative magnitude pruning train to full accuracy when rewound to an "
     "early point in training rather than to initialisation.",
     ""),
    ("2501.08491", "2025-01-24", "Interpretable Models for High-Stakes Decisions",
     "Cynthia Rudd; Ola Berg", "Interpretability; Fairness", False,
     "Rather than explaining black boxes, use models that are interpretable by design; for tabular "
     "high-stakes decisions they lose little or no accuracy.",
     ""),
    ("hep-th/9901001", "2025-01-23", "Large N Limit of Superconformal Field Theories and Supergravity",
     "Juan Maldacena", "Physics; String Theory", False,
     "We show that the large N limit of certain conformal field theories in various dimensions includes "
     "in its Hilbert space a sector describing supergravity on the product of anti-de Sitter spacetimes, "
     "spheres and other compact manifolds.",
     "Classic; added for the old-style id."),
    ("math/0309136", "2025-01-23", "The Entropy Formula for the Ricci Flow and its Geometric Applications",
     "Grisha Perelman", "Mathematics; Geometry", False,
     "We present a monotonic expression for the Ricci flow, valid in all dimensions and without curvature "
     "assumptions, interpreted as an entropy for a certain canonical ensemble.",
     ""),
    ("2501.08520", "2025-01-22", "<img src=x onerror=alert(1)> Escaping Untrusted Titles",
     "Mallory <script>; Bob O'Brien", "Security", False,
     "A title containing markup must be shown as text: <b>bold</b> & \"quotes\" are not HTML here.",
     "<script>alert('notes')</script>"),
    ("2501.08555", "2025-01-22", "Multilingual Named Entity Recognition: 北京 and Zürich",
     "王小明; Zoë Ångström", "Multilingual; Information Extraction", True,
     "Named entity recognition across 40 languages with a shared encoder; entities such as 北京, Zürich "
     "and São Paulo are recognised in scripts unseen during fine-tuning.",
     ""),
    ("deep-sets-revisited", "2025-01-21", "Deep Sets Revisited: Permutation Invariance in Practice",
     "Manzil Zaheer; Satwik Kottur", "Deep Learning Theory; Equivariance", True,
     "Sum-decomposable functions represent permutation-invariant functions on sets; we study when the "
     "latent dimension must grow with set size and what this means for transformers without positional "
     "encodings.",
     ""),
    ("2501.08601", "2025-01-21", "Performer: Rethinking Attention with Random Features",
     "Krzysztof Chor; Valerii Likh", "Transformers; Efficiency", True,
     "Performers approximate softmax attention with positive orthogonal random features, giving linear "
     "time and memory in sequence length with provable accuracy; a transformer becomes a performer "
     "without retraining from scratch.",
     ""),
]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _document(ref: str, day: str, title: str, authors: list[str], tags: list[str], has_code: bool,
              abstract: str, notes: str) -> SearchDocument:
    return SearchDocument(
        ref=ref,
        url=f"/digest/papers/{ref}/",
        title=title,
        authors=tuple(authors),
        tags=tuple(tags),
        tag_slugs=tuple(_slug(t) for t in tags),
        abstract=abstract,
        notes=notes,
        day=day,
        has_code=has_code,
    )


def fixture_docs() -> list[SearchDocument]:
    """The 60 hand-written papers."""
    return [
        _document(ref, day, title, authors.split("; "), tags.split("; "), code, abstract, notes)
        for ref, day, title, authors, tags, code, abstract, notes in _FIXTURE
    ]


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:[.,]\d+)?%?")
_SYLLABLES = ("ba", "ker", "lo", "mi", "nus", "tra", "vex", "qui", "zor", "pel", "dan", "rho", "sy", "gen",
              "tal", "or", "ic", "um", "ex", "ph", "ine", "ar")


def generated_docs(count: int, seed: int = 7) -> list[SearchDocument]:
    """`count` papers drawn deterministically from the fixture's words, plus a long tail.

    85% of abstract words follow the fixture's own word frequencies; 15% come
    from 40,000 made-up words with Zipf-like weights, so the vocabulary grows
    with the corpus as a real one does.
    """
    rng = random.Random(seed)
    fixture = fixture_docs()
    counts = Counter(w for d in fixture for w in _WORD.findall(f"{d.abstract} {d.notes}"))
    common_words, common_weights = zip(*sorted(counts.items()))
    common_cumulative = list(itertools.accumulate(common_weights))
    title_words = sorted({w for d in fixture for w in _WORD.findall(d.title) if len(w) > 3})
    rare_words = sorted({"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(60_000)})
    rng.shuffle(rare_words)
    rare_words = rare_words[:40_000]
    rare_cumulative = []
    total = 0.0
    for rank in range(len(rare_words)):
        total += 1 / (rank + 1) ** 1.05
        rare_cumulative.append(total)
    first_names = sorted({a.split()[0] for d in fixture for a in d.authors})
    last_names = sorted({a.split()[-1] for d in fixture for a in d.authors})
    tags = sorted({t for d in fixture for t in d.tags}) + [f"Topic {n}" for n in range(120)]

    def word() -> str:
        if rng.random() < 0.85:
            return rng.choices(common_words, cum_weights=common_cumulative)[0]
        return rng.choices(rare_words, cum_weights=rare_cumulative)[0]

    docs = []
    for n in range(count):
        day = f"2024-{1 + n * 12 // count:02d}-{1 + n % 28:02d}"
        ref = f"24{1 + n * 12 // count:02d}.{n:05d}"
        abstract_words = [word() for _ in range(rng.randint(90, 220))]
        sentences = []
        while abstract_words:
            k = rng.randint(8, 25)
            sentence, abstract_words = abstract_words[:k], abstract_words[k:]
            sentences.append(" ".join(sentence).capitalize() + ".")
        title = " ".join(rng.choice(title_words) for _ in range(rng.randint(4, 11)))
        if rng.random() < 0.3:
            title += ": " + " ".join(word() for _ in range(rng.randint(2, 5)))
        authors = [f"{rng.choice(first_names)} {rng.choice(last_names)}" for _ in range(rng.choice([1, 2, 3, 3, 4, 5, 6, 12]))]
        paper_tags = rng.sample(tags, rng.randint(1, 4))
        notes = " ".join(word() for _ in range(rng.randint(10, 50))) if rng.random() < 0.3 else ""
        docs.append(_document(ref, day, title.capitalize(), authors, paper_tags, rng.random() < 0.4,
                              " ".join(sentences), notes))
    return docs


def test_fixture_has_sixty_distinct_papers() -> None:
    docs = fixture_docs()
    assert len(docs) == 60
    assert len({d.ref for d in docs}) == 60


def test_generated_corpus_is_deterministic() -> None:
    assert generated_docs(50) == generated_docs(50)
    assert generated_docs(50) != generated_docs(50, seed=8)
    assert len({d.ref for d in generated_docs(500)}) == 500
