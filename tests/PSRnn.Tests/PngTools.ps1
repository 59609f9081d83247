# Dot-sourced by the picture tests: reads a PNG's pixels (8-bit RGB or RGBA, not interlaced, as SkiaSharp writes them)
# with nothing but .NET's zlib, so the checks do not use the library that drew the picture.
if (-not ('PSRnnTests.PngImage' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace PSRnnTests
{
    public sealed class PngImage
    {
        public int Width { get; private set; }
        public int Height { get; private set; }
        // RGBA, row by row.
        public byte[] Pixels { get; private set; }

        public static PngImage Read(string path)
        {
            byte[] file = File.ReadAllBytes(path);
            byte[] signature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
            for (int i = 0; i < 8; i++) { if (file[i] != signature[i]) throw new InvalidDataException("not a PNG"); }
            var image = new PngImage();
            int channels = 0;
            var idat = new MemoryStream();
            for (int at = 8; at < file.Length;)
            {
                int length = (file[at] << 24) | (file[at + 1] << 16) | (file[at + 2] << 8) | file[at + 3];
                string type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
                int data = at + 8;
                if (type == "IHDR")
                {
                    image.Width = (file[data] << 24) | (file[data + 1] << 16) | (file[data + 2] << 8) | file[data + 3];
                    image.Height = (file[data + 4] << 24) | (file[data + 5] << 16) | (file[data + 6] << 8) | file[data + 7];
                    if (file[data + 8] != 8 || file[data + 12] != 0) throw new InvalidDataException("only 8-bit, non-interlaced");
                    channels = file[data + 9] == 6 ? 4 : file[data + 9] == 2 ? 3 : throw new InvalidDataException("only RGB or RGBA");
                }
                else if (type == "IDAT") { idat.Write(file, data, length); }
                at = data + length + 4;
            }

            idat.Position = 0;
            int stride = image.Width * channels;
            var raw = new MemoryStream();
            using (var z = new ZLibStream(idat, CompressionMode.Decompress)) { z.CopyTo(raw); }
            byte[] bytes = raw.ToArray();
            var previous = new byte[stride];
            var row = new byte[stride];
            image.Pixels = new byte[image.Width * image.Height * 4];
            for (int y = 0; y < image.Height; y++)
            {
                int filter = bytes[y * (stride + 1)];
                Array.Copy(bytes, y * (stride + 1) + 1, row, 0, stride);
                for (int i = 0; i < stride; i++)
                {
                    int a = i >= channels ? row[i - channels] : 0, b = previous[i], c = i >= channels ? previous[i - channels] : 0;
                    int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    int predictor = filter switch
                    {
                        0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2,
                        4 => pa <= pb && pa <= pc ? a : pb <= pc ? b : c,
                        _ => throw new InvalidDataException("bad filter " + filter),
                    };
                    row[i] = (byte)(row[i] + predictor);
                }

                for (int x = 0; x < image.Width; x++)
                {
                    int to = (y * image.Width + x) * 4;
                    for (int ch = 0; ch < 3; ch++) image.Pixels[to + ch] = row[x * channels + ch];
                    image.Pixels[to + 3] = channels == 4 ? row[x * channels + 3] : (byte)255;
                }

                (previous, row) = (row, previous);
            }

            return image;
        }

        // The RGBA value at (x, y) as 0xRRGGBBAA.
        public uint At(int x, int y)
        {
            int i = (y * Width + x) * 4;
            return ((uint)Pixels[i] << 24) | ((uint)Pixels[i + 1] << 16) | ((uint)Pixels[i + 2] << 8) | Pixels[i + 3];
        }

        public int DistinctColors()
        {
            var seen = new HashSet<uint>();
            for (int y = 0; y < Height; y++) for (int x = 0; x < Width; x++) seen.Add(At(x, y));
            return seen.Count;
        }

        // The fraction of pixels that are not plain white.
        public double InkedFraction()
        {
            long inked = 0;
            for (int y = 0; y < Height; y++) for (int x = 0; x < Width; x++) if (At(x, y) != 0xFFFFFFFF) inked++;
            return (double)inked / ((long)Width * Height);
        }
    }
}
'@
}
