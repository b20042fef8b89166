package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the port forwards root podman left behind for containers that no longer exist.
 *
 * <p>As root, a {@code --publish 127.0.0.1:P:8080} is a DNAT rule of netavark's ({@code -A
 * NETAVARK-HOSTPORT-DNAT … --dport P … "dnat name: podman id: <container id>" -j NETAVARK-DN-…},
 * and rules for {@code --dport P} in that network's {@code NETAVARK-DN-…} chain). Podman 4.3 keeps
 * them when the {@code podman run} client is stopped or killed while the container is still being
 * created and {@code podman rm} then removes the container (measured with podman 4.3.1: 12 of 12
 * SIGKILLs and 2 of 10 SIGTERMs at that moment): from then on every connection to {@code
 * 127.0.0.1:P} — whoever listens there later, the gateway or another app — is sent to an address no
 * container has, and is refused. So after a container was removed because its run ended early or
 * its platform died, this looks for such rules of the host ports it had published and deletes those
 * of containers podman no longer knows, with the {@code DN} rules of their port when no other
 * forward uses it. Without root, or without iptables, there is nothing of the kind to remove
 * (rootless podman forwards ports from a process of its own) and it does nothing.
 */
final class StalePortForwards {
  private static final Logger log = LoggerFactory.getLogger(StalePortForwards.class);
  static final String CHAIN = "NETAVARK-HOSTPORT-DNAT";
  private static final Pattern ID = Pattern.compile("podman id: ([0-9a-f]{12,64})");
  private static final Pattern PORT = Pattern.compile("--dport (\\d+)(?: |$)");
  private static final Pattern TARGET = Pattern.compile("-j (NETAVARK-DN-[0-9A-Fa-f]+)(?: |$)");

  /** One rule as {@code iptables -S} prints it, without its leading {@code -A CHAIN}. */
  record Rule(String chain, String spec) {}

  /** A forward of the hostport chain: the container it is for, its host port and target chain. */
  record Forward(Rule rule, String containerId, String port, String target) {
    static Forward parse(String line) {
      Rule r = StalePortForwards.rule(line);
      if (r == null || !r.chain.equals(CHAIN)) {
        return null;
      }
      Matcher id = ID.matcher(r.spec);
      Matcher port = PORT.matcher(r.spec);
      Matcher target = TARGET.matcher(r.spec);
      if (!id.find() || !port.find() || !target.find()) {
        return null;
      }
      return new Forward(r, id.group(1), port.group(1), target.group(1));
    }
  }

  private final ContainerEngine engine;
  private final Duration timeout;

  StalePortForwards(ContainerEngine engine, Duration timeout) {
    this.engine = engine;
    this.timeout = timeout;
  }

  /** {@code -A CHAIN SPEC} as a rule; null for anything else ({@code -N}, {@code -P}). */
  static Rule rule(String line) {
    String l = line.strip();
    if (!l.startsWith("-A ")) {
      return null;
    }
    int space = l.indexOf(' ', 3);
    return space < 0 ? null : new Rule(l.substring(3, space), l.substring(space + 1));
  }

  /**
   * The rules to delete: each forward whose container is not among {@code liveIds} (full or
   * shortened ids), then the rules of its target chain for its port, unless a live forward still
   * uses that port there. {@code targetRules} are the {@code -S} lines of every target chain.
   */
  static List<Rule> stale(List<Forward> forwards, List<String> targetRules, Set<String> liveIds) {
    List<Rule> out = new ArrayList<>();
    Set<String> keptPorts = new HashSet<>();
    Set<String> freedPorts = new LinkedHashSet<>();
    for (Forward f : forwards) {
      if (isLive(f.containerId, liveIds)) {
        keptPorts.add(f.target + " " + f.port);
      } else {
        out.add(f.rule);
        freedPorts.add(f.target + " " + f.port);
      }
    }
    freedPorts.removeAll(keptPorts);
    for (String line : targetRules) {
      Rule r = rule(line);
      Matcher port = r == null ? null : PORT.matcher(r.spec);
      if (port != null && port.find() && freedPorts.contains(r.chain + " " + port.group(1))) {
        out.add(r);
      }
    }
    return out;
  }

  private static boolean isLive(String id, Set<String> liveIds) {
    for (String live : liveIds) {
      if (!live.isEmpty() && (live.startsWith(id) || id.startsWith(live))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Deletes the forwards of {@code ports} (host ports Coldbrew published for containers it removed)
   * whose containers are gone; returns how many forwards it removed. Forwards of other ports are
   * never touched: a container of another podman storage would not be in this one's list. A client
   * killed while netavark was setting up its container's network leaves netavark running: it adds
   * the forward after the client died, often after the container was removed, so the sweep first
   * waits (at most {@link #SETUP_WAIT}) for the netavark setups already running.
   */
  int sweep(Set<Integer> ports) {
    if (ports.isEmpty()) {
      return 0;
    }
    awaitNetworkSetups();
    try {
      List<Forward> forwards = new ArrayList<>();
      for (String line : iptables("-S", CHAIN)) {
        Forward f = Forward.parse(line);
        if (f != null && ports.contains(Integer.parseInt(f.port))) {
          forwards.add(f);
        }
      }
      if (forwards.isEmpty()) {
        return 0;
      }
      ContainerEngine.Result ps =
          engine.call(List.of("ps", "--all", "--no-trunc", "--format={{.ID}}"), timeout);
      if (ps.exit() != 0) {
        log.debug("cannot list containers to find stale port forwards: {}", ps.message());
        return 0;
      }
      Set<String> live = new HashSet<>(ps.out().lines().map(String::strip).toList());
      live.remove("");
      List<String> targetRules = new ArrayList<>();
      for (String target : forwards.stream().map(Forward::target).distinct().toList()) {
        targetRules.addAll(iptables("-S", target));
      }
      List<Rule> delete = stale(forwards, targetRules, live);
      int removed = 0;
      List<String> freed = new ArrayList<>();
      for (Rule r : delete) {
        List<String> args = new ArrayList<>(List.of("-D", r.chain));
        args.addAll(List.of(r.spec.split(" ")));
        iptables(args.toArray(String[]::new));
        if (r.chain.equals(CHAIN)) {
          removed++;
          Matcher port = PORT.matcher(r.spec);
          freed.add(port.find() ? port.group(1) : "?");
        }
      }
      if (removed > 0) {
        log.info(
            "removed the port forwards podman left for {} container(s) that are gone (host ports"
                + " {})",
            removed,
            freed);
      }
      return removed;
    } catch (IOException e) {
      log.debug("no stale port forwards looked for: {}", e.getMessage());
      return 0;
    }
  }

  static final Duration SETUP_WAIT = Duration.ofSeconds(10);

  /** Waits until the netavark setups running now have ended, or {@link #SETUP_WAIT} passed. */
  private static void awaitNetworkSetups() {
    long deadline = System.nanoTime() + SETUP_WAIT.toNanos();
    for (ProcessHandle p : ProcessTree.running("netavark", a -> a.contains("setup"))) {
      try {
        p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        log.debug("netavark setup {} still running after {}", p.pid(), SETUP_WAIT);
        return;
      }
    }
  }

  /**
   * {@code iptables -t nat ARGS} (words as {@code -S} printed them: see {@link #unquote}), its
   * output lines; IOException when it cannot run or fails (no root, no such chain).
   */
  private List<String> iptables(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("iptables", "-w", "5", "-t", "nat"));
    cmd.addAll(unquote(List.of(args)));
    ContainerEngine.Result r = engine.exec(cmd, timeout);
    if (r.exit() != 0) {
      throw new IOException(String.join(" ", cmd) + ": " + r.message());
    }
    return r.out().lines().toList();
  }

  /** Words as {@code -S} prints them, with a quoted comment ("a b c") made one argument again. */
  static List<String> unquote(List<String> words) {
    List<String> out = new ArrayList<>(words.size());
    StringBuilder quoted = null;
    for (String w : words) {
      if (quoted == null && w.startsWith("\"")) {
        quoted = new StringBuilder(w.substring(1));
      } else if (quoted != null) {
        quoted.append(' ').append(w);
      } else {
        out.add(w);
        continue;
      }
      if (quoted.length() > 0 && quoted.charAt(quoted.length() - 1) == '"') {
        out.add(quoted.substring(0, quoted.length() - 1));
        quoted = null;
      }
    }
    if (quoted != null) {
      out.add(quoted.toString());
    }
    return out;
  }
}
