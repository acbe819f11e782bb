namespace NodeAgent.Coordinator;

/// <summary>
/// The coordinator's one failure type: a refusal or a failure of the journal, the cluster or the engine, whose message
/// says what happened and what to do. Every folder throws it; the command line maps it to one line and exit code 4
/// (<see cref="Cli.CoordinatorCli"/>), the engine to a failed rollout.
/// </summary>
internal class CoordinatorException(string message) : Exception(message);
