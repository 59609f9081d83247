using System.Numerics;

namespace PSRnn.Engine.Training.Logs;

/// <summary>
/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected), as TFRecord frames use it, and TensorFlow's mask of it.
/// </summary>
internal static class Crc32C
{
    /// <summary>The CRC-32C of <paramref name="data"/>: initial value and final XOR 0xFFFFFFFF (RFC 3720 B.4).</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = uint.MaxValue;
        foreach (byte b in data)
        {
            // BitOperations.Crc32C is the raw step (SSE4.2 / ARMv8 CRC, or software): no inversion of its own.
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>TensorFlow's masked CRC: ((crc ≫ 15) | (crc ≪ 17)) + 0xA282EAD8, so that a CRC of data holding CRCs
    /// does not degenerate.</summary>
    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Compute(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xA282EAD8u);
    }
}
