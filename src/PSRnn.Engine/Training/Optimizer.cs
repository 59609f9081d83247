using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training.Schedules;

namespace PSRnn.Engine.Training;

/// <summary>
/// A gradient-descent optimizer with Keras 3's update rules and defaults. <see cref="Step"/> updates every
/// trainable parameter from its gradient; the slot arrays (Keras's optimizer variables) are created on the first
/// step and reused, so steady-state steps allocate nothing. One optimizer serves one model: the parameter list
/// must keep its order and shapes from step to step.
/// </summary>
public abstract class Optimizer
{
    /// <summary>The fewest elements of one range of a split update (256 KB of values): below it the hand-off to a
    /// worker costs more than the range's update.</summary>
    internal const int ParallelMinElements = 1 << 16;

    /// <summary>Range boundaries fall on multiples of this many elements (4 KB: whole vectors of every width, and no
    /// cache line shared by two threads).</summary>
    internal const int RangeAlignment = 1024;

    private float[][]?[] _slots = [];
    private RangeItem[] _rangeItems = [];
    private float _learningRate;
    private float? _weightDecay;

    private protected Optimizer(float learningRate, float? weightDecay)
    {
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>Keras's name: <c>sgd</c>, <c>rmsprop</c>, <c>adam</c>, <c>adamw</c>, <c>adagrad</c>, <c>adadelta</c>, <c>nadam</c>, <c>adamax</c>.</summary>
    public abstract string KerasName { get; }

    /// <summary>
    /// The learning rate of the next step, as Keras's <c>optimizer.learning_rate</c>: with a <see cref="Schedule"/>, its
    /// rate at <see cref="Iterations"/> (unchecked: a rate the schedule cannot step with shows here as it is); else the
    /// constant, which may be changed between steps.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, NaN or infinite.</exception>
    /// <exception cref="InvalidOperationException">Set while a schedule drives the rate (Keras's "not settable"): clear
    /// <see cref="Schedule"/> first.</exception>
    public float LearningRate
    {
        get => Schedule is { } schedule ? schedule.Evaluate(Iterations) : _learningRate;
        set
        {
            if (Schedule is not null)
            {
                throw new InvalidOperationException("A learning-rate schedule drives this optimizer, so its learning rate cannot be set; clear the schedule first.");
            }

            if (!float.IsFinite(value) || value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be a finite number ≥ 0.");
            }

            _learningRate = value;
        }
    }

    /// <summary>
    /// Keras's <c>learning_rate=LearningRateSchedule</c>: when set, step t (0-based) uses <c>Schedule.RateAt(t)</c>, with
    /// t = <see cref="Iterations"/>, so the count goes on across runs and through saved state; null: the constant rate.
    /// </summary>
    public LearningRateSchedule? Schedule { get; set; }

    /// <summary>
    /// Keras's decoupled <c>weight_decay</c>, or null for none: before the update, <c>w = w − w·wd·lr</c> for every
    /// trainable parameter (biases included, as Keras does unless told to exclude them).
    /// </summary>
    public float? WeightDecay
    {
        get => _weightDecay;
        set
        {
            if (value is float wd && (!float.IsFinite(wd) || wd < 0))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The weight decay must be a finite number ≥ 0.");
            }

            _weightDecay = value;
        }
    }

    /// <summary>The number of steps taken (Keras's <c>iterations</c>); the next step is <c>t = Iterations + 1</c>.</summary>
    public long Iterations { get; private set; }

    /// <summary>The slot names each trainable parameter gets, in order, for this configuration.</summary>
    public IReadOnlyList<string> SlotNames => SlotNamesCore;

    /// <summary>Which vector width the kernels use; tests force each one.</summary>
    internal VectorPath Path { get; set; } = OptimizerKernels.DetectedPath;

    /// <summary>The slot names of this configuration.</summary>
    private protected abstract string[] SlotNamesCore { get; }

    /// <summary>
    /// Takes one step: optional weight decay, then the update rule on each trainable parameter's value from its
    /// gradient; then <see cref="Iterations"/> increases. Non-trainable parameters are skipped.
    /// </summary>
    /// <param name="parameters">The model's parameters, in the same order at every step.</param>
    /// <exception cref="ArgumentException">The list changed length or a parameter changed size since the slots
    /// were created.</exception>
    public void Step(IReadOnlyList<Parameter> parameters)
    {
        EnsureSlots(parameters);
        // A schedule's rate is checked before any parameter changes (ModelException ScheduledLearningRateInvalid).
        float lr = Schedule is { } schedule ? schedule.RateAt(Iterations) : _learningRate;
        BeginStep(Iterations + 1, lr);
        float decay = WeightDecay is float wd ? wd * lr : 0f;
        int threads = ComputeThreads.Current;
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter p = parameters[i];
            if (!p.Trainable)
            {
                continue;
            }

            int length = p.Value.Length;
            int parts = RangeCount(length, threads);
            if (parts == 1)
            {
                UpdateRange(p, _slots[i]!, 0, length, decay, lr);
            }
            else
            {
                UpdateInParts(p, _slots[i]!, parts, decay, lr);
            }

            p.MarkChanged();
        }

        Iterations++;
    }

    /// <summary>
    /// How many ranges a parameter of <paramref name="length"/> elements is updated in: one below
    /// <see cref="ParallelMinElements"/> per range or with one thread; else up to one a thread. A step over W1's
    /// 22050×512 input kernel (Adam reads w, g, m, v and writes w, m, v: 316 MB) is bound by memory bandwidth, which
    /// one core does not saturate.
    /// </summary>
    internal static int RangeCount(int length, int threads) =>
        threads < 2 ? 1 : Math.Clamp(length / ParallelMinElements, 1, threads);

    /// <summary>The start of range <paramref name="part"/> of <paramref name="parts"/>: a multiple of
    /// <see cref="RangeAlignment"/>, so every range but the last covers whole vectors and the last one's scalar tail is
    /// the unsplit update's (each element takes the same instructions either way: the same bits).</summary>
    internal static int RangeStart(int length, int parts, int part) =>
        part >= parts ? length : (int)((long)length * part / parts) / RangeAlignment * RangeAlignment;

    private void UpdateInParts(Parameter p, float[][] slots, int parts, float decay, float lr)
    {
        if (_rangeItems.Length < parts - 1)
        {
            var items = new RangeItem[parts - 1];
            for (int k = 0; k < items.Length; k++)
            {
                items[k] = k < _rangeItems.Length ? _rangeItems[k] : new RangeItem(this);
            }

            _rangeItems = items;
        }

        int length = p.Value.Length;
        for (int k = 1; k < parts; k++)
        {
            int start = RangeStart(length, parts, k);
            _rangeItems[k - 1].Start(p, slots, start, RangeStart(length, parts, k + 1) - start, decay, lr);
        }

        Exception? error = null;
        try
        {
            UpdateRange(p, slots, 0, RangeStart(length, parts, 1), decay, lr);
        }
        finally
        {
            // Every range has ended before the step goes on (or unwinds).
            for (int k = 1; k < parts; k++)
            {
                error ??= _rangeItems[k - 1].Finish();
            }
        }

        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    // Weight decay, the update rule and the constraint on elements [start, start + length) of one parameter.
    private void UpdateRange(Parameter p, float[][] slots, int start, int length, float decay, float lr)
    {
        Span<float> value = p.Value.AsSpan(start, length);
        if (decay != 0)
        {
            OptimizerKernels.Decay(Path, value, decay);
        }

        Update(value, p.Gradient.AsSpan(start, length), new OptimizerSlotSpans(slots, start, length), lr);
        p.ApplyConstraint(start, length);
    }

    /// <summary>
    /// The optimizer's state for saving: a copy of every slot of every trainable parameter (the initial values before the first
    /// step). Save <see cref="Iterations"/> with it.
    /// </summary>
    /// <param name="parameters">The model's parameters, as given to <see cref="Step"/>.</param>
    public IReadOnlyList<OptimizerSlot> GetState(IReadOnlyList<Parameter> parameters) => GetState(parameters, null);

    // Held weakly, as the model's weight snapshot: reused by back-to-back runs, never a reason to keep the copy alive.
    private WeakReference<IReadOnlyList<OptimizerSlot>>? _trainingSnapshot;

    /// <summary>The trainer's copy of the state at the last completed epoch, kept for the next run unless collected.</summary>
    internal IReadOnlyList<OptimizerSlot>? TrainingSnapshot
    {
        get => _trainingSnapshot is not null && _trainingSnapshot.TryGetTarget(out IReadOnlyList<OptimizerSlot>? state) ? state : null;
        set => _trainingSnapshot = value is null ? null : new WeakReference<IReadOnlyList<OptimizerSlot>>(value);
    }

    /// <summary>
    /// As <see cref="GetState(IReadOnlyList{Parameter})"/>, copying into the arrays of <paramref name="reuse"/> when it
    /// came from an earlier call for the same parameters: the trainer snapshots the state every epoch, and a large
    /// model's slots are tens of megabytes.
    /// </summary>
    internal IReadOnlyList<OptimizerSlot> GetState(IReadOnlyList<Parameter> parameters, IReadOnlyList<OptimizerSlot>? reuse)
    {
        EnsureSlots(parameters);
        if (reuse is not null && TryCopyInto(reuse))
        {
            return reuse;
        }

        var state = new List<OptimizerSlot>();
        string[] names = SlotNamesCore;
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i] is float[][] slots)
            {
                for (int s = 0; s < names.Length; s++)
                {
                    state.Add(new OptimizerSlot(i, names[s], (float[])slots[s].Clone()));
                }
            }
        }

        return state;
    }

    private bool TryCopyInto(IReadOnlyList<OptimizerSlot> target)
    {
        string[] names = SlotNamesCore;
        int t = 0;
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i] is float[][] slots)
            {
                for (int s = 0; s < names.Length; s++, t++)
                {
                    if (t >= target.Count || target[t].ParameterIndex != i || target[t].SlotName != names[s]
                        || target[t].Values.Length != slots[s].Length)
                    {
                        return false;
                    }
                }
            }
        }

        if (t != target.Count)
        {
            return false;
        }

        t = 0;
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i] is float[][] slots)
            {
                for (int s = 0; s < names.Length; s++, t++)
                {
                    slots[s].CopyTo(target[t].Values, 0);
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Restores state saved by <see cref="GetState(IReadOnlyList{Parameter})"/> from an optimizer of the same kind and configuration, so
    /// that the next step is the one the saved optimizer would have taken.
    /// </summary>
    /// <param name="parameters">The model's parameters, in the saved order.</param>
    /// <param name="slots">Every slot of every trainable parameter, exactly once each.</param>
    /// <param name="iterations">The saved <see cref="Iterations"/>.</param>
    /// <exception cref="ArgumentException">A slot is unknown, repeated, missing or of the wrong size.</exception>
    public void SetState(IReadOnlyList<Parameter> parameters, IReadOnlyList<OptimizerSlot> slots, long iterations)
    {
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        EnsureSlots(parameters);
        string[] names = SlotNamesCore;

        // Validate everything before changing anything.
        var seen = new HashSet<(int, string)>();
        foreach (OptimizerSlot slot in slots)
        {
            ArgumentNullException.ThrowIfNull(slot);
            if (slot.ParameterIndex < 0 || slot.ParameterIndex >= parameters.Count || _slots[slot.ParameterIndex] is null)
            {
                throw new ArgumentException(
                    $"Slot '{slot.SlotName}' names parameter {slot.ParameterIndex}, which is not a trainable parameter.", nameof(slots));
            }

            if (Array.IndexOf(names, slot.SlotName) < 0)
            {
                throw new ArgumentException(
                    $"{KerasName} has no slot '{slot.SlotName}' in this configuration (it has: {string.Join(", ", names)}).", nameof(slots));
            }

            Parameter p = parameters[slot.ParameterIndex];
            if (slot.Values is null || slot.Values.Length != p.Length)
            {
                throw new ArgumentException(
                    $"Slot '{slot.SlotName}' of parameter {slot.ParameterIndex} ({p.Name}) must have {p.Length} values.", nameof(slots));
            }

            if (!seen.Add((slot.ParameterIndex, slot.SlotName)))
            {
                throw new ArgumentException(
                    $"Slot '{slot.SlotName}' of parameter {slot.ParameterIndex} is given twice.", nameof(slots));
            }
        }

        int expected = 0;
        foreach (float[][]? s in _slots)
        {
            expected += s is null ? 0 : names.Length;
        }

        if (seen.Count != expected)
        {
            throw new ArgumentException(
                $"The state has {seen.Count} slots; this optimizer needs {expected} ({names.Length} per trainable parameter).", nameof(slots));
        }

        foreach (OptimizerSlot slot in slots)
        {
            slot.Values.CopyTo(_slots[slot.ParameterIndex]![Array.IndexOf(names, slot.SlotName)], 0);
        }

        Iterations = iterations;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{KerasName}(learning_rate={(Schedule is { } s ? s : LearningRate)})";

    /// <summary>The value every slot starts at (Keras's initializer: zeros, or Adagrad's initial_accumulator_value).</summary>
    private protected virtual float InitialSlotValue => 0f;

    /// <summary>Computes the constants of step <paramref name="t"/> (1-based) before any parameter is updated.</summary>
    private protected virtual void BeginStep(long t, float learningRate)
    {
    }

    /// <summary>Applies the update rule to one parameter.</summary>
    /// <param name="value">The values, updated in place.</param>
    /// <param name="gradient">The gradient.</param>
    /// <param name="slots">This parameter's slots, in <see cref="SlotNamesCore"/> order.</param>
    /// <param name="learningRate">The learning rate of this step.</param>
    private protected abstract void Update(Span<float> value, ReadOnlySpan<float> gradient, OptimizerSlotSpans slots, float learningRate);

    /// <summary>Creates the slots of each trainable parameter that has none; checks the others still fit.</summary>
    private void EnsureSlots(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (_slots.Length == 0 && parameters.Count > 0)
        {
            _slots = new float[parameters.Count][][];
        }
        else if (_slots.Length != parameters.Count)
        {
            throw new ArgumentException(
                $"This optimizer was built for {_slots.Length} parameters and was given {parameters.Count}. Use one optimizer per model.",
                nameof(parameters));
        }

        int count = SlotNamesCore.Length;
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter p = parameters[i] ?? throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
            float[][]? slots = _slots[i];
            if (slots is null)
            {
                if (p.Trainable)
                {
                    slots = new float[count][];
                    for (int s = 0; s < count; s++)
                    {
                        slots[s] = new float[p.Length];
                        Array.Fill(slots[s], InitialSlotValue);
                    }

                    _slots[i] = slots;
                }
            }
            else if (count > 0 && slots[0].Length != p.Length)
            {
                throw new ArgumentException(
                    $"Parameter {i} ({p.Name}) has {p.Length} elements; its optimizer slots were made for {slots[0].Length}.",
                    nameof(parameters));
            }
        }
    }

    /// <summary>One range of a split parameter update, posted to the compute workers (reused: nothing allocated once warm).</summary>
    private sealed class RangeItem(Optimizer owner) : ClaimableWorkItem
    {
        private Parameter? _parameter;
        private float[][]? _slots;
        private int _start, _length;
        private float _decay, _lr;

        public void Start(Parameter parameter, float[][] slots, int start, int length, float decay, float lr)
        {
            (_parameter, _slots, _start, _length, _decay, _lr) = (parameter, slots, start, length, decay, lr);
            Queue();
        }

        protected override void Run() => owner.UpdateRange(_parameter!, _slots!, _start, _length, _decay, _lr);

        protected override void Clear()
        {
            _parameter = null;
            _slots = null;
        }
    }
}
