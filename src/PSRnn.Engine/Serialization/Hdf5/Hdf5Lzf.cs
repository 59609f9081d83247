namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// h5py's LZF filter (HDF5 filter 32000, <c>compression='lzf'</c>): liblzf's format, decompressed into at most the chunk's
/// size. A back reference before the start or output past the chunk is a corrupt chunk, never a larger buffer.
/// </summary>
internal static class Hdf5Lzf
{
    public static byte[] Decompress(byte[] input, long chunkBytes, string name)
    {
        var output = new byte[chunkBytes];
        int ip = 0, op = 0;
        while (ip < input.Length)
        {
            int control = input[ip++];
            if (control < 32)
            {
                // A literal run of control + 1 bytes.
                int run = control + 1;
                if (run > output.Length - op || run > input.Length - ip)
                {
                    throw Corrupt(name, chunkBytes);
                }

                input.AsSpan(ip, run).CopyTo(output.AsSpan(op));
                ip += run;
                op += run;
                continue;
            }

            // A back reference: length (control >> 5) + 2, or 9 + the next byte; distance from the low bits and the next byte.
            int length = control >> 5;
            if (ip >= input.Length)
            {
                throw Corrupt(name, chunkBytes);
            }

            if (length == 7)
            {
                length += input[ip++];
                if (ip >= input.Length)
                {
                    throw Corrupt(name, chunkBytes);
                }
            }

            int from = op - ((control & 0x1F) << 8) - 1 - input[ip++];
            length += 2;
            if (from < 0 || length > output.Length - op)
            {
                throw Corrupt(name, chunkBytes);
            }

            // Byte by byte: the reference may overlap what it writes (a run).
            for (int i = 0; i < length; i++)
            {
                output[op++] = output[from++];
            }
        }

        return op == output.Length ? output : output[..op];
    }

    private static Hdf5Exception Corrupt(string name, long chunkBytes) =>
        Hdf5Errors.Corruption($"A chunk of '{name}' is not valid LZF data of at most the chunk's {chunkBytes} bytes: the file is corrupt.");
}
