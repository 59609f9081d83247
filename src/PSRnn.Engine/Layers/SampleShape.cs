using System.Globalization;

namespace PSRnn.Engine.Layers;

/// <summary>
/// The shape of one sample as it flows between layers: a sequence (time steps × features; the time may be unknown,
/// for variable-length input) or a vector (features). The batch dimension is not part of it, as in Keras.
/// </summary>
/// <param name="Time">The number of time steps, or null when it varies (Keras's None); 1 for a vector.</param>
/// <param name="Features">The features at each step (or of the vector).</param>
/// <param name="IsSequence">True for (time, features), false for (features).</param>
public readonly record struct SampleShape(int? Time, int Features, bool IsSequence)
{
    /// <summary>A sequence shape (time, features); time null means variable.</summary>
    public static SampleShape Sequence(int? time, int features) => new(time, features, true);

    /// <summary>A vector shape (features).</summary>
    public static SampleShape Vector(int features) => new(1, features, false);

    /// <summary>As Keras prints output shapes: <c>(None, 60, 128)</c>, <c>(None, None, 13)</c>, <c>(None, 10)</c>.</summary>
    public override string ToString() => IsSequence
        ? string.Create(CultureInfo.InvariantCulture, $"(None, {(Time is { } t ? t.ToString(CultureInfo.InvariantCulture) : "None")}, {Features})")
        : string.Create(CultureInfo.InvariantCulture, $"(None, {Features})");
}
