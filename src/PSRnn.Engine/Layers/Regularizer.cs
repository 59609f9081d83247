using System.Globalization;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's weight regularizers (<c>keras.regularizers.L1</c>, <c>L2</c>, <c>L1L2</c>): a penalty
/// <c>l1·Σ|w| + l2·Σw²</c> (no ½ on the L2 term, as Keras) added to the training loss for each weight it is set on,
/// whose gradient <c>l1·sign(w) + 2·l2·w</c> is added to the weight's gradient.
/// </summary>
/// <param name="KerasClassName"><c>L1</c>, <c>L2</c> or <c>L1L2</c>: the form it was given in, kept for the saved config.</param>
/// <param name="L1">The L1 factor (≥ 0).</param>
/// <param name="L2">The L2 factor (≥ 0).</param>
public sealed record Regularizer(string KerasClassName, float L1, float L2)
{
    /// <summary>Keras's default factor for <c>"l1"</c> and <c>"l2"</c> given without one.</summary>
    public const float DefaultFactor = 0.01f;

    /// <summary>
    /// Reads <c>l1:1e-5</c>, <c>l2:1e-4</c>, <c>l1_l2:1e-5,1e-4</c> (L1 then L2), or <c>l1</c> / <c>l2</c> alone
    /// (Keras's 0.01), case-insensitively.
    /// </summary>
    /// <exception cref="ModelException"><c>RegularizerInvalid</c>: the text is none of these forms, or a factor is
    /// negative or not finite.</exception>
    public static Regularizer Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Trim().Split(':', 2);
        string kind = parts[0].Trim().ToUpperInvariant();
        string[] factors = parts.Length > 1 ? parts[1].Split(',') : [];
        float[] values = new float[factors.Length];
        for (int i = 0; i < factors.Length; i++)
        {
            if (!float.TryParse(factors[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] >= 0)
                || !float.IsFinite(values[i]))
            {
                throw Invalid(text);
            }
        }

        return (kind, values.Length) switch
        {
            ("L1", 0) => new Regularizer("L1", DefaultFactor, 0f),
            ("L1", 1) => new Regularizer("L1", values[0], 0f),
            ("L2", 0) => new Regularizer("L2", 0f, DefaultFactor),
            ("L2", 1) => new Regularizer("L2", 0f, values[0]),
            ("L1_L2" or "L1L2", 2) => new Regularizer("L1L2", values[0], values[1]),
            _ => throw Invalid(text),
        };
    }

    /// <summary>Keras's serialized form: <c>{"module": "keras.regularizers", "class_name": "L2", "config": {"l2": …}}</c>.</summary>
    public IReadOnlyDictionary<string, object?> ToKerasConfig()
    {
        var config = new Dictionary<string, object?>();
        if (KerasClassName != "L2")
        {
            config["l1"] = (double)L1;
        }

        if (KerasClassName != "L1")
        {
            config["l2"] = (double)L2;
        }

        return new Dictionary<string, object?>
        {
            ["module"] = "keras.regularizers",
            ["class_name"] = KerasClassName,
            ["config"] = config,
            ["registered_name"] = null,
        };
    }

    /// <summary>The penalty for weights <paramref name="w"/>, summed in double: <c>l1·Σ|w| + l2·Σw²</c>.</summary>
    public double Penalty(ReadOnlySpan<float> w)
    {
        double abs = 0, squares = 0;
        foreach (float x in w)
        {
            abs += Math.Abs(x);
            squares += (double)x * x;
        }

        return (L1 * abs) + (L2 * squares);
    }

    /// <summary>Adds the penalty's gradient to <paramref name="gradient"/>: <c>g += l1·sign(w) + 2·l2·w</c> (sign(0) = 0).</summary>
    public void AddGradient(ReadOnlySpan<float> w, Span<float> gradient)
    {
        if (w.Length != gradient.Length)
        {
            throw new ArgumentException($"The gradient has {gradient.Length} values for {w.Length} weights.", nameof(gradient));
        }

        float l1 = L1, twoL2 = 2 * L2;
        for (int i = 0; i < w.Length; i++)
        {
            gradient[i] += (twoL2 * w[i]) + (l1 * MathF.Sign(w[i]));
        }
    }

    /// <summary>The form <see cref="Parse"/> reads: <c>l2:0.0001</c>, <c>l1_l2:1E-05,0.0001</c>.</summary>
    public override string ToString() => KerasClassName switch
    {
        "L1" => string.Create(CultureInfo.InvariantCulture, $"l1:{L1:R}"),
        "L2" => string.Create(CultureInfo.InvariantCulture, $"l2:{L2:R}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"l1_l2:{L1:R},{L2:R}"),
    };

    private static ModelException Invalid(string text) => new("RegularizerInvalid",
        $"'{text}' is not a regularizer PSRnn reads. Write l2:1e-4, l1:1e-5 or l1_l2:1e-5,1e-4 (factors ≥ 0), as Keras's L2(1e-4), L1(1e-5), L1L2(1e-5, 1e-4).");
}
