using System.Reflection;
using System.Runtime.InteropServices;

namespace PSRnn.Plotting;

/// <summary>
/// Finds the native libraries of SkiaSharp and HarfBuzzSharp (ScottPlot's renderer) in the module's
/// runtimes/&lt;rid&gt;/native folders. PowerShell loads the module's managed assemblies from its folder but, unlike an
/// application with a deps.json, never looks under runtimes/, so without this resolver the first drawing call fails
/// with DllNotFoundException.
/// </summary>
internal static class NativeAssets
{
    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>Registers the resolvers once per process; later calls do nothing.</summary>
    public static void EnsureResolvers()
    {
        lock (Gate)
        {
            if (_registered)
            {
                return;
            }

            Register(typeof(SkiaSharp.SKSurface).Assembly);
            Register(typeof(HarfBuzzSharp.Blob).Assembly);
            _registered = true;
        }
    }

    /// <summary>The runtimes/&lt;rid&gt;/native folders to try on this platform, most specific first.</summary>
    internal static IEnumerable<string> CandidateFolders(string root)
    {
        string arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            Architecture other => other.ToString().ToLowerInvariant(),
        };
        IEnumerable<string> rids =
            OperatingSystem.IsWindows() ? [$"win-{arch}"] :
            OperatingSystem.IsMacOS() ? ["osx", $"osx-{arch}"] :
            [$"linux-{arch}", $"linux-musl-{arch}"];
        return rids.Select(rid => Path.Combine(root, "runtimes", rid, "native"));
    }

    private static void Register(Assembly assembly)
    {
        try
        {
            NativeLibrary.SetDllImportResolver(assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Someone else (another module, or the host) already set one for this assembly: theirs stays.
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        string root = Path.GetDirectoryName(typeof(NativeAssets).Assembly.Location) ?? AppContext.BaseDirectory;
        string file = OperatingSystem.IsWindows() ? $"{libraryName}.dll" : OperatingSystem.IsMacOS() ? $"{libraryName}.dylib" : $"{libraryName}.so";
        foreach (string folder in CandidateFolders(root))
        {
            if (NativeLibrary.TryLoad(Path.Combine(folder, file), out IntPtr handle))
            {
                return handle;
            }
        }

        // Not shipped for this platform: let the runtime's own probing try (a system-wide install, for example).
        return IntPtr.Zero;
    }
}
