namespace NodeAgent.Coordinator.Plans;

/// <summary>A plan that cannot be used; <see cref="Errors"/> has one line per problem, each naming file, line, column and key.</summary>
internal sealed class PlanException(IReadOnlyList<string> errors) : Exception(string.Join("\n", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
