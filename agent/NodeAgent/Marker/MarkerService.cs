using NodeAgent.Configuration;
using NodeAgent.Operations;
using NodeAgent.Validation;

namespace NodeAgent.Marker;

/// <summary>Reads a component's marker by component name: the catalog says where and in which format.</summary>
internal sealed class MarkerService(ComponentCatalog catalog)
{
    /// <summary>The marker's place and format, and its content when present; refuses unknown components and unreadable markers.</summary>
    public (MarkerSpec Spec, MarkerContent? Content) Read(string component)
    {
        if (InputRules.CheckComponentName(component) is { } problem)
        {
            throw AgentException.Invalid("component", problem);
        }

        var entry = catalog.Find(component) ?? throw new AgentException(AgentErrorKind.NotFound, $"component {component} is not in this agent's catalog");
        var spec = entry.Marker ?? throw new AgentException(AgentErrorKind.FailedPrecondition, $"{component} has no marker configured in this agent's catalog");
        try
        {
            return (spec, MarkerFile.Read(spec));
        }
        catch (InvalidDataException ex)
        {
            throw new AgentException(AgentErrorKind.FailedPrecondition, ex.Message);
        }
    }
}
