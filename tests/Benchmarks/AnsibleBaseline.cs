using System.Diagnostics;
using System.Globalization;
using System.Text;
using SimFleet;

namespace Benchmarks;

/// <summary>
/// The same upgrade done the way Ansible does it, in the same run: Debian's ansible-playbook, one inventory host per
/// simulated node with the local connection (so every task really runs once per host), the same policy (a canary play,
/// a pause, then <c>serial</c> batches with <c>max_fail_percentage: 0</c>) and the tasks of a typical playbook per
/// component: copy the binary, check its checksum, swap it, restart the service, wait for /healthz. The hosts have the
/// same simulated services as the agents' nodes (restart is a POST to the fleet's responder).
/// </summary>
internal static class AnsibleBaseline
{
    /// <summary>The playbook's wall time in seconds; null when ansible-playbook is not installed.</summary>
    public static async Task<double?> RunAsync(string directory, IReadOnlyList<SimNode> hosts, int healthPort, BenchOptions options,
        IReadOnlyList<(string Component, string Name, string Path, string Sha256, long Size)> artifacts)
    {
        const string Playbook = "/usr/bin/ansible-playbook";
        if (!File.Exists(Playbook))
        {
            return null;
        }

        Directory.CreateDirectory(directory);
        var canary = Math.Max(1, (int)Math.Ceiling(hosts.Count * options.CanaryPercent / 100));
        var batch = Math.Max(1, (int)Math.Ceiling(hosts.Count * options.BatchPercent / 100.0));
        var inventory = new StringBuilder("[canary]\n");
        inventory.AppendJoin("", hosts.Take(canary).Select(h => $"{h.Name} node_dir={h.Directory}\n"));
        inventory.Append("[rest]\n");
        inventory.AppendJoin("", hosts.Skip(canary).Select(h => $"{h.Name} node_dir={h.Directory}\n"));
        inventory.Append(CultureInfo.InvariantCulture, $"[all:vars]\nansible_connection=local\nansible_python_interpreter=/usr/bin/python3\nhealth_port={healthPort}\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "inventory.ini"), inventory.ToString());
        await File.WriteAllTextAsync(Path.Combine(directory, "upgrade.yml"), PlaybookText(options, batch, artifacts));

        var start = new ProcessStartInfo(Playbook) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        start.ArgumentList.Add("-i");
        start.ArgumentList.Add("inventory.ini");
        start.ArgumentList.Add("upgrade.yml");
        start.Environment["ANSIBLE_FORKS"] = Math.Max(canary, batch).ToString(CultureInfo.InvariantCulture);
        start.Environment["ANSIBLE_HOST_KEY_CHECKING"] = "False";
        start.Environment["ANSIBLE_RETRY_FILES_ENABLED"] = "False";
        start.Environment["ANSIBLE_LOCAL_TEMP"] = Path.Combine(directory, "tmp");
        start.Environment["ANSIBLE_REMOTE_TEMP"] = Path.Combine(directory, "remote-tmp");
        start.Environment["HOME"] = directory;
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var seconds = watch.Elapsed.TotalSeconds;
        await File.WriteAllTextAsync(Path.Combine(directory, "ansible.log"), await output + await errors);
        return process.ExitCode == 0
            ? seconds
            : throw new InvalidOperationException($"ansible-playbook exited {process.ExitCode}; see {Path.Combine(directory, "ansible.log")}");
    }

    private static string PlaybookText(BenchOptions options, int batch, IReadOnlyList<(string Component, string Name, string Path, string Sha256, long Size)> artifacts)
    {
        var tasks = new StringBuilder();
        foreach (var a in artifacts)
        {
            var key = a.Component.Replace('-', '_');
            tasks.Append(CultureInfo.InvariantCulture, $$$"""
                    - name: copy {{{a.Component}}}
                      copy: { src: "{{{a.Path}}}", dest: "{{ node_dir }}/bin/{{{a.Component}}}.new", mode: "0755" }
                    - name: check the checksum of {{{a.Component}}}
                      stat: { path: "{{ node_dir }}/bin/{{{a.Component}}}.new", checksum_algorithm: sha256 }
                      register: {{{key}}}_file
                      failed_when: {{{key}}}_file.stat.checksum != "{{{a.Sha256}}}"
                    - name: swap {{{a.Component}}}
                      command: mv -f "{{ node_dir }}/bin/{{{a.Component}}}.new" "{{ node_dir }}/bin/{{{a.Component}}}"
                    - name: restart {{{a.Component}}}
                      uri: { url: "http://127.0.0.1:{{ health_port }}/{{ inventory_hostname }}/{{{a.Component}}}/restart", method: POST }
                    - name: wait for {{{a.Component}}} healthz
                      uri: { url: "http://127.0.0.1:{{ health_port }}/{{ inventory_hostname }}/{{{a.Component}}}/healthz" }
                      register: {{{key}}}_health
                      until: {{{key}}}_health.status == 200
                      retries: 60
                      delay: 1

                """);
        }

        return string.Create(CultureInfo.InvariantCulture, $$$"""
            - name: canary
              hosts: canary
              gather_facts: false
              max_fail_percentage: 0
              tasks: &upgrade
            {{{tasks}}}
            - name: soak the canary
              hosts: canary
              gather_facts: false
              tasks:
                - pause: { seconds: {{{(int)options.Soak.TotalSeconds}}} }
                  run_once: true
            - name: batches
              hosts: rest
              gather_facts: false
              serial: {{{batch}}}
              max_fail_percentage: 0
              tasks: *upgrade

            """);
    }
}
