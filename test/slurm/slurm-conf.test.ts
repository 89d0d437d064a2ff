import { describe, expect, it } from "vitest";
import { clusterPaths, parseNodeHardware, renderSlurmConf } from "./slurm-conf.ts";

describe("a throw-away cluster's configuration", () => {
  it("reads the node from slurmd -C", () => {
    const text =
      "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105\nUpTime=0-00:07:22\n";
    expect(parseNodeHardware(text)).toEqual({ name: "vm", cpus: 2, realMemoryMb: 24105 });
    expect(() => parseNodeHardware("NodeName=vm RealMemory=1")).toThrowError(
      /^slurmd -C: no CPUs= in its output/,
    );
  });

  it("keeps every file of the cluster in its directory and uses the given ports", () => {
    const conf = renderSlurmConf({
      dir: "/tmp/c",
      controllerHost: "vm",
      slurmctldPort: 40001,
      slurmdPort: 40002,
      user: "root",
      node: { name: "vm", cpus: 2, realMemoryMb: 24105 },
    });
    const settings = new Map(
      conf
        .split("\n")
        .filter(
          (l) =>
            l !== "" && !l.startsWith("#") && !l.startsWith("NodeName") && !l.startsWith("PartitionName"),
        )
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    // every file it writes (MailProg is the one program it runs)
    const paths = [...settings.entries()].filter(([k, v]) => v.startsWith("/") && k !== "MailProg");
    expect(paths.length).toBeGreaterThanOrEqual(6);
    for (const [key, value] of paths) expect(value, key).toMatch(/^\/tmp\/c\//);
    expect(settings.get("AuthInfo")).toBe(`socket=${clusterPaths("/tmp/c").mungeSocket}`);
    expect(settings.get("SlurmctldHost")).toBe("vm(127.0.0.1)");
    expect([settings.get("SlurmctldPort"), settings.get("SlurmdPort")]).toEqual(["40001", "40002"]);
    expect(conf).toContain("NodeName=vm NodeAddr=127.0.0.1 CPUs=2 RealMemory=24105 State=UNKNOWN\n");
  });
});
