package dev.coldbrew.cli;

import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.DomainMapping;
import dev.coldbrew.api.model.Endpoints;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.TrafficTarget;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The human tables of each kind, with {@code kn}'s and {@code kubectl}'s columns. Stateless. */
public final class Views {
  private Views() {}

  /** A table of {@code items}, all of {@code kind}; {@code services} feeds revision traffic. */
  public static Table table(
      Kind kind,
      List<? extends Resource> items,
      boolean allNamespaces,
      boolean headers,
      List<Service> services,
      Clock clock) {
    List<String> cols = new ArrayList<>(columns(kind));
    if (allNamespaces) {
      cols.add(0, "NAMESPACE");
    }
    Table t = new Table(headers, cols.toArray(String[]::new));
    for (Resource r : items) {
      List<Object> cells = new ArrayList<>(cells(r, services, clock));
      if (allNamespaces) {
        cells.add(0, r.metadata.namespace);
      }
      t.row(cells.toArray());
    }
    return t;
  }

  static List<String> columns(Kind kind) {
    return switch (kind) {
      case SERVICE -> List.of("NAME", "URL", "LATEST", "AGE", "CONDITIONS", "READY", "REASON");
      case CONFIGURATION ->
          List.of("NAME", "LATESTCREATED", "LATESTREADY", "AGE", "READY", "REASON");
      case REVISION ->
          List.of(
              "NAME",
              "SERVICE",
              "TRAFFIC",
              "TAGS",
              "GENERATION",
              "AGE",
              "CONDITIONS",
              "READY",
              "REASON");
      case ROUTE -> List.of("NAME", "URL", "READY");
      case DOMAIN_MAPPING -> List.of("NAME", "URL", "READY", "KSVC", "REASON");
      case SERVERLESS_SERVICE ->
          List.of(
              "NAME", "MODE", "ACTIVATORS", "SERVICENAME", "PRIVATESERVICENAME", "READY", "REASON");
      case POD_AUTOSCALER -> List.of("NAME", "DESIREDSCALE", "ACTUALSCALE", "READY", "REASON");
      case ENDPOINTS -> List.of("NAME", "ENDPOINTS");
    };
  }

  static List<Object> cells(Resource r, List<Service> services, Clock clock) {
    String age = Table.age(r.metadata.creationTimestamp, clock);
    if (r instanceof Service s) {
      var st = s.status;
      return List.of(
          s.metadata.name,
          st == null || st.url == null ? "" : st.url,
          st == null || st.latestReadyRevisionName == null ? "" : st.latestReadyRevisionName,
          age,
          Table.conditions(st),
          Table.ready(st),
          Table.reason(st));
    }
    if (r instanceof Configuration c) {
      var st = c.status;
      return List.of(
          c.metadata.name,
          st == null || st.latestCreatedRevisionName == null ? "" : st.latestCreatedRevisionName,
          st == null || st.latestReadyRevisionName == null ? "" : st.latestReadyRevisionName,
          age,
          Table.ready(st),
          Table.reason(st));
    }
    if (r instanceof Revision rev) {
      String svc = rev.metadata.label("serving.knative.dev/service");
      Traffic tr = traffic(rev, services);
      String gen = rev.metadata.label("serving.knative.dev/configurationGeneration");
      return List.of(
          rev.metadata.name,
          svc == null ? "" : svc,
          tr.percent,
          tr.tags,
          gen == null ? "" : gen,
          age,
          Table.conditions(rev.status),
          Table.ready(rev.status),
          Table.reason(rev.status));
    }
    if (r instanceof Route rt) {
      return List.of(
          rt.metadata.name,
          rt.status == null || rt.status.url == null ? "" : rt.status.url,
          Table.ready(rt.status));
    }
    if (r instanceof DomainMapping dm) {
      var ref = dm.spec == null ? null : dm.spec.ref;
      return List.of(
          dm.metadata.name,
          dm.status == null || dm.status.url == null ? "" : dm.status.url,
          Table.ready(dm.status),
          ref == null || ref.name == null
              ? ""
              : Kind.ROUTE.kindName().equals(ref.kind) ? "route:" + ref.name : ref.name,
          Table.reason(dm.status));
    }
    if (r instanceof ServerlessService sks) {
      var st = sks.status;
      return List.of(
          sks.metadata.name,
          sks.spec.mode == null ? "" : sks.spec.mode.wireName(),
          sks.spec.numActivators == null ? "" : sks.spec.numActivators,
          st == null || st.serviceName == null ? "" : st.serviceName,
          st == null || st.privateServiceName == null ? "" : st.privateServiceName,
          Table.ready(st),
          Table.reason(st));
    }
    if (r instanceof PodAutoscaler pa) {
      var st = pa.status;
      return List.of(
          pa.metadata.name,
          st == null || st.desiredScale == null ? "" : st.desiredScale < 0 ? "-" : st.desiredScale,
          st == null || st.actualScale == null ? "" : st.actualScale,
          Table.ready(st),
          Table.reason(st));
    }
    if (r instanceof Endpoints ep) {
      List<String> addrs = ep.addresses();
      return List.of(ep.metadata.name, addrs.isEmpty() ? "<none>" : String.join(",", addrs));
    }
    throw new IllegalArgumentException(r.kind);
  }

  /** A revision's share of its service's traffic and its tags. */
  record Traffic(String percent, String tags) {}

  static Traffic traffic(Revision rev, List<Service> services) {
    String svcName = rev.metadata.label("serving.knative.dev/service");
    Map<String, Long> percent = new LinkedHashMap<>();
    List<String> tags = new ArrayList<>();
    for (Service s : services) {
      if (!s.metadata.name.equals(svcName)
          || !s.metadata.namespace.equals(rev.metadata.namespace)
          || s.status == null
          || s.status.traffic == null) {
        continue;
      }
      for (TrafficTarget t : s.status.traffic) {
        if (rev.metadata.name.equals(t.revisionName)) {
          percent.merge(rev.metadata.name, t.percent == null ? 0 : t.percent, Long::sum);
          if (t.tag != null) {
            tags.add(t.tag);
          }
        }
      }
    }
    Long p = percent.get(rev.metadata.name);
    return new Traffic(
        p == null || p == 0 ? "" : p + "%", tags.stream().collect(Collectors.joining(",")));
  }
}
