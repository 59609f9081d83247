namespace PSRnn.Engine.Audio;

/// <summary>The spectrum of additive noise: power ∝ 1/f^α.</summary>
public enum NoiseColor
{
    /// <summary>Flat spectrum (α = 0).</summary>
    White,

    /// <summary>1/f, equal power per octave (α = 1).</summary>
    Pink,

    /// <summary>1/f², Brownian (α = 2).</summary>
    Brown,
}
