package dev.coldbrew.cli.commands;

import dev.coldbrew.api.autoscaling.AutoscalingAnnotations;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.ContainerPort;
import dev.coldbrew.api.model.EnvVar;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.RevisionTemplateSpec;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.TrafficTarget;
import dev.coldbrew.cli.ApiException;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The flags of {@code service create} and {@code service update}, as {@code kn} spells them, and
 * how they change a Service. Values are checked here only as far as parsing goes ({@code K=V},
 * numbers, ranges, one word for {@code --cmd}); the API validates the result and names the field,
 * and {@link #explain} turns its answer back into the flag that set the field. Not thread-safe.
 */
public class ServiceEdits {
  private static final String CONTAINER = "spec.template.spec.containers[0].";
  private static final String ANNOTATIONS = "spec.template.metadata.annotations.";
  private static final String SERVICE_LABEL = "serving.knative.dev/service";

  /** The field paths (as the admin API names them) each given flag set, with the flag. */
  private final Map<String, String> flagOf = new LinkedHashMap<>();

  @Option(
      names = "--cmd",
      paramLabel = "CMD",
      description = "The command to run (repeat for each word).")
  List<String> cmd = new ArrayList<>();

  @Option(
      names = "--arg",
      paramLabel = "ARG",
      description = "An argument of the command (repeatable).")
  List<String> args = new ArrayList<>();

  @Option(
      names = "--image",
      paramLabel = "IMAGE",
      description =
          "Container image; without --cmd it runs as a container (podman), e.g."
              + " localhost/hello:1.")
  String image;

  @Option(
      names = {"-e", "--env"},
      paramLabel = "NAME=VALUE",
      description = "Set an environment variable; NAME- removes it (repeatable).")
  List<String> env = new ArrayList<>();

  @Option(
      names = {"-p", "--port"},
      paramLabel = "[NAME:]PORT",
      description = "The port the app listens on through $PORT, e.g. 8080 or h2c:8080.")
  String port;

  @Option(
      names = "--concurrency-limit",
      paramLabel = "N",
      description = "Hard limit of concurrent requests per instance (containerConcurrency).")
  Long concurrencyLimit;

  @Option(
      names = "--scale",
      paramLabel = "N|MIN..MAX",
      description = "Scale bounds: N, MIN..MAX, MIN.. or ..MAX.")
  String scale;

  @Option(names = "--scale-min", paramLabel = "N", description = "Minimum instances (min-scale).")
  Integer scaleMin;

  @Option(names = "--scale-max", paramLabel = "N", description = "Maximum instances (max-scale).")
  Integer scaleMax;

  @Option(
      names = "--scale-init",
      paramLabel = "N",
      description = "Initial instances (initial-scale).")
  Integer scaleInit;

  @Option(
      names = "--scale-activation",
      paramLabel = "N",
      description = "Minimum non-zero scale (activation-scale).")
  Integer scaleActivation;

  @Option(
      names = "--scale-target",
      paramLabel = "N",
      description = "Target concurrency (or rps) per instance.")
  Double scaleTarget;

  @Option(
      names = "--scale-utilization",
      paramLabel = "PERCENT",
      description = "Target utilization percentage (default 70).")
  Double scaleUtilization;

  @Option(
      names = "--scale-window",
      paramLabel = "DURATION",
      description = "Stable window, e.g. 60s.")
  String scaleWindow;

  @Option(names = "--scale-metric", paramLabel = "METRIC", description = "concurrency or rps.")
  String scaleMetric;

  @Option(
      names = {"-a", "--annotation"},
      paramLabel = "KEY=VALUE",
      description =
          "Annotation of the revision (and of the service unless autoscaling); KEY- removes it.")
  List<String> annotations = new ArrayList<>();

  @Option(
      names = {"-l", "--label"},
      paramLabel = "KEY=VALUE",
      description = "Label of the service and the revision; KEY- removes it.")
  List<String> labels = new ArrayList<>();

  @Option(
      names = "--cluster-local",
      negatable = true,
      description =
          "Serve the service only at NAME.NAMESPACE.svc.cluster.local, to clients on this machine"
              + " (label networking.knative.dev/visibility=cluster-local); --no-cluster-local"
              + " makes it public again.")
  Boolean clusterLocal;

  @Option(
      names = "--revision-name",
      paramLabel = "NAME",
      description = "Name of the new revision (must start with the service name and a dash).")
  String revisionName;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "Request timeout (timeoutSeconds).")
  Long timeout;

  @Option(
      names = "--tag",
      split = ",",
      paramLabel = "REVISION=TAG",
      description = "Tag a revision (or @latest) with a URL of its own.")
  List<String> tags = new ArrayList<>();

  @Option(names = "--untag", split = ",", paramLabel = "TAG", description = "Remove a tag.")
  List<String> untags = new ArrayList<>();

  @Option(
      names = "--traffic",
      split = ",",
      paramLabel = "REF=PERCENT",
      description = "Split traffic: REF is a revision, a tag or @latest.")
  List<String> traffic = new ArrayList<>();

  /** Applies every given flag to {@code svc}. */
  void apply(Service svc) {
    RevisionTemplateSpec tpl = svc.spec.template;
    if (tpl.spec.containers().isEmpty()) {
      tpl.spec.containers().add(new Container());
    }
    Container c = tpl.spec.container();
    if (!cmd.isEmpty()) {
      cmd.forEach(ServiceEdits::oneWord);
      c.command = new ArrayList<>(cmd);
      flagOf.put(CONTAINER + "command", "--cmd " + String.join(" --cmd ", cmd));
    }
    if (!args.isEmpty()) {
      c.args = new ArrayList<>(args);
      flagOf.put(CONTAINER + "args", "--arg");
    }
    if (image != null) {
      c.image = image;
      flagOf.put(CONTAINER + "image", "--image " + image);
    }
    if (!env.isEmpty()) {
      flagOf.put(CONTAINER + "env", "--env");
    }
    for (String e : env) {
      if (e.endsWith("-") && !e.contains("=")) {
        String name = e.substring(0, e.length() - 1);
        if (c.env != null) {
          c.env.removeIf(v -> v.name.equals(name));
        }
        continue;
      }
      String[] kv = pair("--env", e);
      if (c.env == null) {
        c.env = new ArrayList<>();
      }
      c.env.removeIf(v -> v.name.equals(kv[0]));
      c.env.add(new EnvVar(kv[0], kv[1]));
    }
    if (port != null) {
      ContainerPort p = new ContainerPort();
      String num = port;
      int colon = port.indexOf(':');
      if (colon >= 0) {
        p.name = port.substring(0, colon);
        num = port.substring(colon + 1);
      }
      p.containerPort = (int) number("--port", num);
      c.ports = new ArrayList<>(List.of(p));
      flagOf.put(CONTAINER + "ports", "--port " + port);
    }
    if (concurrencyLimit != null) {
      tpl.spec.containerConcurrency = concurrencyLimit;
      flagOf.put(
          "spec.template.spec.containerConcurrency", "--concurrency-limit " + concurrencyLimit);
    }
    if (timeout != null) {
      tpl.spec.timeoutSeconds = timeout;
      flagOf.put("spec.template.spec.timeoutSeconds", "--timeout " + timeout);
    }
    Map<String, String> ann = tpl.metadata.annotations();
    if (scale != null) {
      scaleRange(scale, ann);
      flagOf.put(ANNOTATIONS + AutoscalingAnnotations.PREFIX + "min-scale", "--scale " + scale);
      flagOf.put(ANNOTATIONS + AutoscalingAnnotations.PREFIX + "max-scale", "--scale " + scale);
    }
    put(ann, "min-scale", "--scale-min", scaleMin);
    put(ann, "max-scale", "--scale-max", scaleMax);
    put(ann, "initial-scale", "--scale-init", scaleInit);
    put(ann, "activation-scale", "--scale-activation", scaleActivation);
    put(ann, "target", "--scale-target", scaleTarget == null ? null : plain(scaleTarget));
    put(
        ann,
        "target-utilization-percentage",
        "--scale-utilization",
        scaleUtilization == null ? null : plain(scaleUtilization));
    put(ann, "window", "--scale-window", scaleWindow);
    put(ann, "metric", "--scale-metric", scaleMetric);
    for (String a : annotations) {
      edit("--annotation", a, ann);
      String key = key(a);
      flagOf.put(ANNOTATIONS + key, "--annotation " + a);
      if (!a.startsWith(AutoscalingAnnotations.PREFIX)) {
        edit("--annotation", a, svc.metadata.annotations());
        flagOf.put("metadata.annotations." + key, "--annotation " + a);
      }
    }
    if (Boolean.TRUE.equals(clusterLocal)) {
      svc.metadata.labels().put(Route.VISIBILITY_LABEL, Route.CLUSTER_LOCAL);
    } else if (Boolean.FALSE.equals(clusterLocal)) {
      svc.metadata.labels().remove(Route.VISIBILITY_LABEL);
    }
    for (String l : labels) {
      edit("--label", l, svc.metadata.labels());
      edit("--label", l, tpl.metadata.labels());
      String key = key(l);
      flagOf.put("metadata.labels." + key, "--label " + l);
      flagOf.put("spec.template.metadata.labels." + key, "--label " + l);
    }
    if (revisionName != null) {
      tpl.metadata.name = revisionName;
      flagOf.put("spec.template.metadata.name", "--revision-name " + revisionName);
    }
    if (ann.isEmpty()) {
      tpl.metadata.annotations = null;
    }
    if (tpl.metadata.labels != null && tpl.metadata.labels.isEmpty()) {
      tpl.metadata.labels = null;
    }
    editTraffic(svc);
  }

  /**
   * The admin API's refusal of what the flags made, with each cause that concerns a field a flag
   * set said as that flag: {@code --scale 5..2: autoscaling.knative.dev/max-scale: "2" (expected:
   * >= min-scale (5) or 0)}; other errors as they are.
   */
  ApiException explain(ApiException e) {
    return e.byFlag(flagOf, ServiceEdits::shortField);
  }

  /** An annotation's or label's key, or a field's last segment: what the flag is known by. */
  private static String shortField(String path) {
    for (String map : List.of(".annotations.", ".labels.")) {
      int at = path.indexOf(map);
      if (at >= 0) {
        return path.substring(at + map.length());
      }
    }
    return path.startsWith(CONTAINER)
        ? path.substring(CONTAINER.length())
        : path.substring(path.lastIndexOf('.') + 1);
  }

  /**
   * {@code --cmd} takes one word, the program, as kn's does: {@code --cmd "python3 app.py"} would
   * look for a program of that whole name (unless a file of that name exists).
   */
  private static void oneWord(String word) {
    if (word.isBlank()) {
      throw new UserException(
          "--cmd: \"" + word + "\" (expected: the program to run, e.g. --cmd python3)");
    }
    if (word.chars().noneMatch(Character::isWhitespace) || isFile(word)) {
      return;
    }
    String[] words = word.strip().split("\\s+");
    StringBuilder fix = new StringBuilder("--cmd ").append(words[0]);
    for (int i = 1; i < words.length; i++) {
      fix.append(" --arg ").append(words[i]);
    }
    throw new UserException(
        "--cmd: \""
            + word
            + "\" (expected: one word, the program to run; give each of its arguments with --arg:"
            + " "
            + fix
            + ")");
  }

  private static boolean isFile(String p) {
    try {
      return Files.isRegularFile(Path.of(p));
    } catch (InvalidPathException e) {
      return false;
    }
  }

  private void editTraffic(Service svc) {
    if (tags.isEmpty() && untags.isEmpty() && traffic.isEmpty()) {
      return;
    }
    if (!traffic.isEmpty()) {
      flagOf.put("spec.traffic", "--traffic " + String.join(",", traffic));
    } else if (!tags.isEmpty()) {
      flagOf.put("spec.traffic", "--tag " + String.join(",", tags));
    }
    List<TrafficTarget> targets = new ArrayList<>();
    if (svc.spec.traffic == null || svc.spec.traffic.isEmpty()) {
      TrafficTarget latest = new TrafficTarget();
      latest.latestRevision = true;
      latest.percent = 100L;
      targets.add(latest);
    } else {
      svc.spec.traffic.forEach(t -> targets.add(new TrafficTarget(t)));
    }
    for (String u : untags) {
      TrafficTarget t =
          targets.stream()
              .filter(x -> u.equals(x.tag))
              .findFirst()
              .orElseThrow(
                  () -> new UserException("--untag: no traffic target has tag \"" + u + "\""));
      t.tag = null;
    }
    for (String tg : tags) {
      String[] kv = pair("--tag", tg);
      TrafficTarget t = find(targets, kv[0], false);
      if (t == null || t.tag != null) {
        t = target(kv[0]);
        named("--tag", t);
        t.percent = 0L;
        targets.add(t);
      }
      t.tag = kv[1];
    }
    if (!traffic.isEmpty()) {
      List<TrafficTarget> named = new ArrayList<>();
      long sum = 0;
      for (String tr : traffic) {
        String[] kv = pair("--traffic", tr);
        long pct =
            number(
                "--traffic", kv[1].endsWith("%") ? kv[1].substring(0, kv[1].length() - 1) : kv[1]);
        TrafficTarget t = find(targets, kv[0], true);
        if (t == null) {
          t = target(kv[0]);
          named("--traffic", t);
          targets.add(t);
        }
        t.percent = pct;
        named.add(t);
        sum += pct;
      }
      List<TrafficTarget> rest = targets.stream().filter(t -> !named.contains(t)).toList();
      rest.forEach(t -> t.percent = 0L);
      if (sum < 100 && rest.size() == 1) {
        rest.get(0).percent = 100 - sum;
      }
    }
    targets.removeIf(
        t -> t.tag == null && (t.percent == null || t.percent == 0) && targets.size() > 1);
    svc.spec.traffic = targets;
  }

  /** The revisions the flags name in new traffic targets, each with the flag: to be checked. */
  private final Map<String, String> namedRevisions = new LinkedHashMap<>();

  private void named(String flag, TrafficTarget t) {
    if (t.revisionName != null) {
      namedRevisions.putIfAbsent(t.revisionName, flag);
    }
  }

  /**
   * Refuses, before anything is written, a {@code --tag} or {@code --traffic} naming a revision the
   * service does not have, as kn does: stored, it would keep the Route from being ready. A name the
   * same call gives the new revision ({@code --revision-name}) is fine.
   */
  void checkRevisions(GetCommand.Reader reader, Service svc) {
    String ns = svc.metadata.namespace;
    String own = svc.spec.template == null ? null : svc.spec.template.metadata.name;
    List<String> theirs = null;
    for (var e : namedRevisions.entrySet()) {
      String rev = e.getKey();
      if (rev.equals(own)) {
        continue;
      }
      boolean ours =
          reader
              .get(Kind.REVISION, ns, rev)
              .map(r -> svc.metadata.name.equals(r.metadata.label(SERVICE_LABEL)))
              .orElse(false);
      if (ours) {
        continue;
      }
      if (theirs == null) {
        theirs =
            reader.list(Kind.REVISION, ns).stream()
                .filter(r -> svc.metadata.name.equals(r.metadata.label(SERVICE_LABEL)))
                .map(r -> r.metadata.name)
                .sorted()
                .toList();
      }
      throw new UserException(
          e.getValue()
              + ": revision \""
              + rev
              + "\" not found in service '"
              + svc.metadata.name
              + "' (expected: "
              + (theirs.isEmpty() ? "" : "one of " + String.join(", ", theirs) + ", ")
              + "a tag, or @latest)");
    }
  }

  private static TrafficTarget target(String ref) {
    TrafficTarget t = new TrafficTarget();
    if (ref.equals("@latest")) {
      t.latestRevision = true;
    } else {
      t.revisionName = ref;
      t.latestRevision = false;
    }
    return t;
  }

  private static TrafficTarget find(List<TrafficTarget> targets, String ref, boolean byTag) {
    for (TrafficTarget t : targets) {
      if (byTag && ref.equals(t.tag)) {
        return t;
      }
    }
    for (TrafficTarget t : targets) {
      if (ref.equals("@latest")
          ? Boolean.TRUE.equals(t.latestRevision) && t.revisionName == null
          : ref.equals(t.revisionName)) {
        return t;
      }
    }
    return null;
  }

  private static void scaleRange(String s, Map<String, String> ann) {
    int dots = s.indexOf("..");
    if (dots < 0) {
      long n = number("--scale", s);
      ann.put(AutoscalingAnnotations.PREFIX + "min-scale", String.valueOf(n));
      ann.put(AutoscalingAnnotations.PREFIX + "max-scale", String.valueOf(n));
      return;
    }
    String min = s.substring(0, dots);
    String max = s.substring(dots + 2);
    if (min.isEmpty() && max.isEmpty()) {
      throw new UsageException("--scale: \"" + s + "\" (expected: N, MIN..MAX, MIN.. or ..MAX)");
    }
    if (!min.isEmpty() && !max.isEmpty() && number("--scale", min) > number("--scale", max)) {
      throw new UserException(
          "--scale: \""
              + s
              + "\" (expected: MIN..MAX with MIN <= MAX, e.g. "
              + max
              + ".."
              + min
              + ")");
    }
    if (!min.isEmpty()) {
      ann.put(AutoscalingAnnotations.PREFIX + "min-scale", String.valueOf(number("--scale", min)));
    }
    if (!max.isEmpty()) {
      ann.put(AutoscalingAnnotations.PREFIX + "max-scale", String.valueOf(number("--scale", max)));
    }
  }

  private void put(Map<String, String> ann, String key, String flag, Object value) {
    if (value != null) {
      ann.put(AutoscalingAnnotations.PREFIX + key, String.valueOf(value));
      flagOf.put(ANNOTATIONS + AutoscalingAnnotations.PREFIX + key, flag + " " + value);
    }
  }

  private static String plain(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static void edit(String flag, String kv, Map<String, String> map) {
    if (kv.endsWith("-") && !kv.contains("=")) {
      map.remove(kv.substring(0, kv.length() - 1));
      return;
    }
    String[] p = pair(flag, kv);
    map.put(p[0], p[1]);
  }

  /** The key of a {@code K=V} (or of a {@code K-} removal, as written). */
  private static String key(String kv) {
    int eq = kv.indexOf('=');
    return eq < 0 ? kv : kv.substring(0, eq);
  }

  private static String[] pair(String flag, String kv) {
    int eq = kv.indexOf('=');
    if (eq <= 0) {
      throw new UsageException(flag + ": \"" + kv + "\" (expected: KEY=VALUE)");
    }
    return new String[] {kv.substring(0, eq), kv.substring(eq + 1)};
  }

  private static long number(String flag, String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new UsageException(flag + ": \"" + s + "\" (expected: a whole number)");
    }
  }
}
