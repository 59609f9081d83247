namespace PSRnn.Engine.Training;

/// <summary>One float at a time: the tail of every kernel, and the whole of it where nothing is accelerated.</summary>
internal readonly struct SimdScalar : ISimdOps<float>
{
    public static int Count => 1;

    public static float Load(Span<float> source, int i) => source[i];

    public static float LoadReadOnly(ReadOnlySpan<float> source, int i) => source[i];

    public static void Store(float value, Span<float> destination, int i) => destination[i] = value;

    public static float Splat(float value) => value;

    public static float Add(float a, float b) => a + b;

    public static float Subtract(float a, float b) => a - b;

    public static float Multiply(float a, float b) => a * b;

    public static float Divide(float a, float b) => a / b;

    public static float Sqrt(float a) => MathF.Sqrt(a);

    public static float Max(float a, float b) => MathF.Max(a, b);
}
