using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace PSRnn.Serving;

/// <summary>
/// Finds ONNX Runtime's native library for the managed API (Microsoft.ML.OnnxRuntime.Managed, which PSRnn ships) and
/// registers it once per process. PSRnn does not ship the native library itself: the CPU build for every desktop platform
/// is about 130 MB, and a user who serves on a GPU wants a different build (CUDA, DirectML, …) anyway. Looked for, in
/// order: the file or folder named by <c>PSRNN_ONNXRUNTIME</c>; the <c>runtimes/&lt;rid&gt;/native</c> folders of the
/// companion module PSRnn.OnnxRuntime (the folders the caller passes, found on PSModulePath); the system's search path
/// (an ONNX Runtime installed by a package manager, or on LD_LIBRARY_PATH / PATH).
/// </summary>
public static class OnnxRuntimeLibrary
{
    /// <summary>The error ID when no native library is found.</summary>
    public const string NotFoundErrorId = "OnnxRuntimeNotFound";

    /// <summary>The environment variable naming the native library (a file, or the folder holding it).</summary>
    public const string EnvironmentVariable = "PSRNN_ONNXRUNTIME";

    private const string LibraryName = "onnxruntime";
    private static readonly object Gate = new();
    private static string[] _folders = [];
    private static bool _registered;
    private static string? _loadedFrom;

    /// <summary>Where the native library was loaded from, once it has been.</summary>
    public static string? LoadedFrom
    {
        get
        {
            lock (Gate)
            {
                return _loadedFrom;
            }
        }
    }

    /// <summary>The file names of the native library on this platform, most specific first.</summary>
    internal static IEnumerable<string> FileNames =>
        OperatingSystem.IsWindows() ? ["onnxruntime.dll"] :
        OperatingSystem.IsMacOS() ? ["libonnxruntime.dylib"] :
        ["libonnxruntime.so"];

    /// <summary>The runtimes/&lt;rid&gt;/native folder names of this platform, most specific first.</summary>
    internal static IEnumerable<string> RuntimeIdentifiers
    {
        get
        {
            string arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                Architecture.X86 => "x86",
                Architecture other => other.ToString().ToLowerInvariant(),
            };
            return OperatingSystem.IsWindows() ? [$"win-{arch}"] : OperatingSystem.IsMacOS() ? [$"osx-{arch}", "osx"] : [$"linux-{arch}"];
        }
    }

    /// <summary>
    /// Makes sure the native library loads, registering the resolver the first time; <paramref name="moduleRoots"/> are the
    /// companion module's folders (those holding runtimes/). Throws <see cref="Engine.Layers.ModelException"/> with
    /// <see cref="NotFoundErrorId"/> naming where it looked when none loads.
    /// </summary>
    public static void Ensure(IEnumerable<string> moduleRoots)
    {
        ArgumentNullException.ThrowIfNull(moduleRoots);
        lock (Gate)
        {
            if (_loadedFrom is not null)
            {
                // Loaded once for the process: every later prediction would only look again and add a reference to it.
                return;
            }

            _folders = [.. moduleRoots.SelectMany(root => RuntimeIdentifiers.Select(rid => Path.Combine(root, "runtimes", rid, "native")))];
            if (!_registered)
            {
                try
                {
                    NativeLibrary.SetDllImportResolver(typeof(InferenceSession).Assembly, Resolve);
                }
                catch (InvalidOperationException)
                {
                    // Someone else (the host, another module sharing this assembly) set one: theirs decides.
                }

                _registered = true;
            }
        }

        // Found first, by the same search the resolver makes, before any ONNX Runtime type is touched: a type whose
        // static constructor failed stays failed for the process, so a later install could not be picked up.
        if (Load(typeof(InferenceSession).Assembly, null) == IntPtr.Zero)
        {
            throw new Engine.Layers.ModelException(NotFoundErrorId,
                $"ONNX Runtime's native library ({string.Join(" or ", FileNames)}) was not found or does not load. Install the companion module " +
                "(Install-PSResource PSRnn.OnnxRuntime, or put build.ps1's out/PSRnn.OnnxRuntime on PSModulePath), or set " +
                $"$env:{EnvironmentVariable} to the library of an ONNX Runtime {OrtVersion} build (a GPU build for -ExecutionProvider CUDA or DirectML). " +
                $"Looked in: {string.Join("; ", Candidates().Distinct())}, then the system's search path.");
        }
    }

    /// <summary>The version of the managed API PSRnn ships, which the native library must match.</summary>
    public static string OrtVersion => typeof(InferenceSession).Assembly.GetName().Version?.ToString(3) ?? "?";

    private static IEnumerable<string> Candidates()
    {
        string? given = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            if (File.Exists(given))
            {
                yield return given;
            }
            else
            {
                foreach (string name in FileNames)
                {
                    yield return Path.Combine(given, name);
                }
            }
        }

        string[] folders;
        lock (Gate)
        {
            folders = _folders;
        }

        foreach (string folder in folders)
        {
            foreach (string name in FileNames)
            {
                yield return Path.Combine(folder, name);
            }
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == LibraryName ? Load(assembly, searchPath) : IntPtr.Zero;

    // The first candidate that loads, else the system's search path; the handle of a library already loaded is returned
    // again by the loader, so calling this twice loads nothing twice.
    private static IntPtr Load(Assembly assembly, DllImportSearchPath? searchPath)
    {
        foreach (string path in Candidates())
        {
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out IntPtr handle))
            {
                lock (Gate)
                {
                    _loadedFrom = path;
                }

                return handle;
            }
        }

        if (NativeLibrary.TryLoad(LibraryName, assembly, searchPath, out IntPtr system))
        {
            lock (Gate)
            {
                _loadedFrom = "(system search path)";
            }

            return system;
        }

        return IntPtr.Zero;
    }
}
