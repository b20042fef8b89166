package dev.coldbrew.cli.commands;

import dev.coldbrew.api.autoscaling.AutoscalingAnnotations;
import dev.coldbrew.api.autoscaling.AutoscalingAnnotations.Key;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.DomainMapping;
import dev.coldbrew.api.model.EnvVar;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.RevisionSpec;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.model.TrafficTarget;
import dev.coldbrew.api.runtime.Engine;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.Table;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coldbrew describe KIND NAME}: a resource in human form, like {@code kn describe}. */
@Command(
    name = "describe",
    mixinStandardHelpOptions = true,
    description = "Show one resource in detail.")
public class DescribeCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "KIND")
  String kindName;

  @Parameters(index = "1", paramLabel = "NAME")
  String name;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "yaml, json, or url (services, routes and domain mappings).")
  String output;

  @Mixin EngineOptions engine;

  @Override
  public Integer call() {
    return describe(GetCommand.kind(kindName), name, output, engine, this);
  }

  /** Shared by {@code describe} and the noun commands ({@code service describe} …). */
  static int describe(
      Kind kind, String name, String output, EngineOptions engine, ClientCommand cmd) {
    try (Resources res = Resources.of(cmd, engine)) {
      return describe(kind, name, output, res, cmd);
    }
  }

  private static int describe(
      Kind kind, String name, String output, GetCommand.Reader reader, ClientCommand cmd) {
    Resource r =
        reader
            .get(kind, cmd.namespace, name)
            .orElseThrow(() -> new UserException(GetCommand.notFound(kind, name, cmd.namespace)));
    PrintWriter out = cmd.out();
    if (output != null) {
      switch (output) {
        case "yaml" -> out.print(ResourceCodec.toYaml(r));
        case "json" -> out.println(ResourceCodec.toPrettyJson(r));
        case "url" -> out.println(url(r));
        default ->
            throw new UsageException(
                "-o/--output: \"" + output + "\" (expected: yaml, json or url)");
      }
      out.flush();
      return 0;
    }
    new Describer(out, cmd.clock()).describe(r, reader);
    out.flush();
    return 0;
  }

  private static String url(Resource r) {
    if (r instanceof Service s && s.status != null && s.status.url != null) {
      return s.status.url;
    }
    if (r instanceof Route rt && rt.status != null && rt.status.url != null) {
      return rt.status.url;
    }
    if (r instanceof DomainMapping dm && dm.status != null && dm.status.url != null) {
      return dm.status.url;
    }
    throw new UserException(r + " has no URL yet");
  }

  /** Writes the human form. */
  private record Describer(PrintWriter out, Clock clock) {
    void describe(Resource r, GetCommand.Reader client) {
      field("Name", r.metadata.name);
      field("Namespace", r.metadata.namespace);
      labels("Labels", r.metadata.labels);
      labels("Annotations", r.metadata.annotations);
      field("Age", Table.age(r.metadata.creationTimestamp, clock));
      if (r instanceof Service s) {
        field("URL", s.status == null ? null : s.status.url);
        out.println();
        out.println("Revisions:");
        traffic(s.status == null ? null : s.status.traffic, client, r.metadata.namespace);
      } else if (r instanceof Route rt) {
        field("URL", rt.status == null ? null : rt.status.url);
        out.println();
        out.println("Traffic Targets:");
        traffic(rt.status == null ? null : rt.status.traffic, client, r.metadata.namespace);
      } else if (r instanceof DomainMapping dm) {
        field("URL", dm.status == null ? null : dm.status.url);
        out.println();
        out.println("Reference:");
        var ref = dm.spec == null ? null : dm.spec.ref;
        if (ref != null) {
          out.printf("  %-12s %s%n", "APIVersion:", ref.apiVersion);
          out.printf("  %-12s %s%n", "Kind:", ref.kind);
          out.printf("  %-12s %s%n", "Name:", ref.name);
          out.printf("  %-12s %s%n", "Namespace:", ref.namespace);
        }
      } else if (r instanceof Revision rev) {
        field("Service", rev.metadata.label("serving.knative.dev/service"));
        out.println();
        revision(rev, "");
        engine(rev.status);
      } else {
        out.println();
        out.print(ResourceCodec.toYaml(r));
      }
      conditions(r.status());
    }

    void traffic(List<TrafficTarget> traffic, GetCommand.Reader client, String ns) {
      if (traffic == null || traffic.isEmpty()) {
        out.println("  (no traffic assigned yet)");
        return;
      }
      for (TrafficTarget t : traffic) {
        String name = t.revisionName == null ? "?" : t.revisionName;
        String label = Boolean.TRUE.equals(t.latestRevision) ? "@latest (" + name + ")" : name;
        out.printf(
            "  %4s  %s%s%n",
            (t.percent == null ? 0 : t.percent) + "%",
            label,
            t.tag == null ? "" : " #" + t.tag + (t.url == null ? "" : " " + t.url));
        client
            .get(Kind.REVISION, ns, name)
            .map(Revision.class::cast)
            .ifPresent(
                rev -> {
                  revision(rev, "        ");
                  out.printf(
                      "        %-12s %s%n",
                      "Ready:",
                      Table.ready(rev.status)
                          + (Table.reason(rev.status).isEmpty()
                              ? ""
                              : " (" + Table.reason(rev.status) + ")"));
                });
      }
    }

    /** A revision's container, scale bounds, concurrency and replicas, as kn shows them. */
    void revision(Revision rev, String indent) {
      spec(rev.spec, indent);
      Map<String, String> ann =
          rev.metadata.annotations == null ? Map.of() : rev.metadata.annotations;
      String min = AutoscalingAnnotations.string(ann, Key.MIN_SCALE).orElse("0");
      String max = AutoscalingAnnotations.string(ann, Key.MAX_SCALE).orElse(null);
      out.printf(
          "%s%-12s %s ... %s%n",
          indent,
          "Scale:",
          min,
          max == null ? "the platform's default" : max.equals("0") ? "unlimited" : max);
      long limit = rev.spec.containerConcurrency == null ? 0 : rev.spec.containerConcurrency;
      String metric = AutoscalingAnnotations.metric(ann);
      String target =
          AutoscalingAnnotations.string(ann, Key.TARGET)
              .orElse(
                  metric.equals("rps")
                      ? "the platform's default"
                      : limit > 0 ? String.valueOf(limit) : "the platform's default");
      out.printf(
          "%s%-12s Limit: %s, Target: %s%s%n",
          indent,
          "Concurrency:",
          limit == 0 ? "none" : limit,
          target,
          metric.equals("rps") ? " requests/s" : "");
      if (rev.status != null) {
        out.printf(
            "%s%-12s %s/%s%n",
            indent,
            "Replicas:",
            rev.status.actualReplicas == null ? 0 : rev.status.actualReplicas,
            rev.status.desiredReplicas == null ? "-" : rev.status.desiredReplicas);
      }
    }

    void spec(RevisionSpec spec, String indent) {
      Container c = spec.container();
      if (c == null) {
        return;
      }
      if (c.command != null) {
        out.printf(
            "%s%-12s %s%n",
            indent,
            "Command:",
            String.join(" ", c.command) + (c.args == null ? "" : " " + String.join(" ", c.args)));
      }
      if (c.image != null) {
        out.printf("%s%-12s %s%n", indent, "Image:", c.image);
      }
      if (c.env != null && !c.env.isEmpty()) {
        StringBuilder sb = new StringBuilder();
        for (EnvVar e : c.env) {
          sb.append(sb.length() == 0 ? "" : ", ").append(e.name).append('=').append(e.value);
        }
        out.printf("%s%-12s %s%n", indent, "Env:", sb);
      }
    }

    /** The engine that runs the revision, the image digest it runs, its containers. */
    void engine(Revision.RevisionStatus st) {
      if (st == null) {
        return;
      }
      Map<String, String> a = st.annotations == null ? Map.of() : st.annotations;
      if (a.get(Engine.ANNOTATION) != null) {
        out.printf("%-12s %s%n", "Engine:", a.get(Engine.ANNOTATION));
      }
      if (st.imageDigest() != null) {
        out.printf("%-12s %s%n", "Digest:", st.imageDigest());
      }
      if (a.get(Engine.CONTAINERS_ANNOTATION) != null) {
        out.printf(
            "%-12s %s%n", "Containers:", a.get(Engine.CONTAINERS_ANNOTATION).replace(",", ", "));
      }
    }

    /**
     * kn's conditions table (reasons only), then each distinct message once with the conditions
     * that carry it: Knative repeats a failure's message in every condition it rolls up into.
     */
    void conditions(Status status) {
      out.println();
      out.println("Conditions:");
      Table t = new Table(true, "  OK", "TYPE", "AGE", "REASON");
      Map<String, List<String>> messages = new LinkedHashMap<>();
      if (status != null && status.conditions != null) {
        for (Condition c : status.conditions) {
          String ok = c.isTrue() ? "  ++" : c.isFalse() ? "  !!" : "  ??";
          t.row(
              ok, c.type, Table.age(c.lastTransitionTime, clock), c.reason == null ? "" : c.reason);
          if (c.message != null && !c.message.isBlank() && !c.isTrue()) {
            messages.computeIfAbsent(c.message.strip(), m -> new ArrayList<>()).add(c.type);
          }
        }
      }
      t.print(out);
      messages.forEach(
          (message, types) -> {
            out.println();
            out.println(String.join(", ", types) + ":");
            message.lines().forEach(l -> out.println("  " + l));
          });
    }

    void field(String name, Object value) {
      out.printf("%-12s %s%n", name + ":", value == null ? "" : value);
    }

    void labels(String name, Map<String, String> map) {
      if (map != null && !map.isEmpty()) {
        StringBuilder sb = new StringBuilder();
        map.forEach(
            (k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        field(name, sb);
      }
    }
  }
}
