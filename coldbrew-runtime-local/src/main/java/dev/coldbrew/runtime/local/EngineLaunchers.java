package dev.coldbrew.runtime.local;

import dev.coldbrew.api.runtime.Engine;

/**
 * The runtime's launcher: each run goes to the launcher of its revision's {@link Engine} — {@link
 * ProcessLauncher} or {@link ContainerLauncher} — which share one {@link FreePorts}. Orphans are
 * reaped, and the launchers closed, for both. Thread-safe, as both launchers are.
 */
final class EngineLaunchers implements InstanceLauncher {
  private final InstanceLauncher processes;
  private final InstanceLauncher containers;

  EngineLaunchers(InstanceLauncher processes, InstanceLauncher containers) {
    this.processes = processes;
    this.containers = containers;
  }

  @Override
  public Launched launch(Spec spec) throws LaunchException {
    return spec.template().engine() == Engine.CONTAINER
        ? containers.launch(spec)
        : processes.launch(spec);
  }

  @Override
  public int reapOrphans() {
    return processes.reapOrphans() + containers.reapOrphans();
  }

  @Override
  public void close() {
    try {
      processes.close();
    } finally {
      containers.close();
    }
  }
}
