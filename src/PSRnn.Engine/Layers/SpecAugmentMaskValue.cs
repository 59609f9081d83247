namespace PSRnn.Engine.Layers;

/// <summary>What a SpecAugment mask writes into the masked values.</summary>
public enum SpecAugmentMaskValue
{
    /// <summary>Zero (torchaudio's default mask_value).</summary>
    Zero,

    /// <summary>The sample's mean over its real steps and all features (Park et al.: the mean of the normalized spectrogram).</summary>
    Mean,
}
