using NodeAgent.Fuzz;
using SharpFuzz;

const string Usage = """
    usage: nodeagent-fuzz TARGET                  run under afl-fuzz (scripts/fuzz.sh): one input per run, from stdin
           nodeagent-fuzz TARGET --replay PATH... run each file (or every file of each directory) once and print findings
    targets: plan, config
    """;

if (args.Length == 0 || !ParserTargets.Names.Contains(args[0]) || (args.Length > 1 && (args[1] != "--replay" || args.Length == 2)))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var target = args[0];
var scratch = Directory.CreateTempSubdirectory("nodeagent-fuzz-").FullName;
try
{
    if (args.Length == 1)
    {
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var input = new MemoryStream();
            stream.CopyTo(input);
            if (ParserTargets.Problem(target, input.GetBuffer().AsSpan(0, (int)input.Length), scratch) is { } problem)
            {
                throw new InvalidOperationException(problem);
            }
        });
        return 0;
    }

    var files = args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal).ToList();
    var findings = 0;
    foreach (var file in files)
    {
        if (ParserTargets.Problem(target, File.ReadAllBytes(file), scratch) is { } problem)
        {
            findings++;
            Console.WriteLine($"{file}: {problem}");
        }
    }

    Console.WriteLine($"{target}: {files.Count} input(s) replayed, {findings} finding(s)");
    return findings == 0 ? 0 : 1;
}
finally
{
    Directory.Delete(scratch, recursive: true);
}
