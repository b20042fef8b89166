package dev.coldbrew.api.validation;

import dev.coldbrew.api.config.DefaultsConfig;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.DomainMapping;
import dev.coldbrew.api.model.ObjectMeta;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.RevisionSpec;
import dev.coldbrew.api.model.RevisionTemplateSpec;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.TrafficTarget;
import java.util.ArrayList;
import java.util.List;

/**
 * Knative's defaulting webhook: fills in what a user may leave out, before validation. Applying it
 * twice changes nothing. It changes the resource in place; it never fails, whatever the input
 * (validation reports what is wrong). Thread-safe (stateless).
 *
 * <ul>
 *   <li>{@code metadata.namespace}: {@code default}
 *   <li>a Service's {@code spec.traffic}: {@code [{percent: 100, latestRevision: true}]}
 *   <li>each traffic target: {@code latestRevision = (revisionName unset)}, {@code percent} 0
 *   <li>a DomainMapping's {@code spec.ref.namespace}: the mapping's own
 *   <li>{@code timeoutSeconds} (when unset or 0), {@code containerConcurrency}, container names,
 *       and the response-start and idle timeouts from {@link DefaultsConfig}
 * </ul>
 *
 * A container without ports listens on 8080; that is the runtime's default, not written here.
 */
public final class Defaults {
  public static final String DEFAULT_NAMESPACE = "default";

  private Defaults() {}

  /** Defaults {@code resource} in place and returns it. */
  public static <T extends Resource> T apply(T resource, DefaultsConfig config) {
    if (resource.metadata == null) {
      resource.metadata = new ObjectMeta();
    }
    if (Names.isEmpty(resource.metadata.namespace)) {
      resource.metadata.namespace = DEFAULT_NAMESPACE;
    }
    if (resource instanceof Service s) {
      if (s.spec == null) {
        s.spec = new Service.Spec();
      }
      s.spec.template = template(s.spec.template, config);
      if (s.spec.traffic == null || s.spec.traffic.isEmpty()) {
        TrafficTarget latest = new TrafficTarget();
        latest.percent = 100L;
        latest.latestRevision = true;
        s.spec.traffic = new ArrayList<>(List.of(latest));
      }
      traffic(s.spec.traffic);
    } else if (resource instanceof Configuration c) {
      if (c.spec == null) {
        c.spec = new Configuration.Spec();
      }
      c.spec.template = template(c.spec.template, config);
    } else if (resource instanceof Revision r) {
      if (r.spec == null) {
        r.spec = new RevisionSpec();
      }
      spec(r.spec, config);
    } else if (resource instanceof Route r) {
      if (r.spec == null) {
        r.spec = new Route.Spec();
      }
      traffic(r.spec.traffic);
    } else if (resource instanceof DomainMapping dm) {
      if (dm.spec == null) {
        dm.spec = new DomainMapping.Spec();
      }
      if (dm.spec.ref != null && Names.isEmpty(dm.spec.ref.namespace)) {
        dm.spec.ref.namespace = dm.metadata.namespace;
      }
    }
    return resource;
  }

  private static RevisionTemplateSpec template(RevisionTemplateSpec t, DefaultsConfig config) {
    RevisionTemplateSpec template = t == null ? new RevisionTemplateSpec() : t;
    if (template.metadata == null) {
      template.metadata = new ObjectMeta();
    }
    if (template.spec == null) {
      template.spec = new RevisionSpec();
    }
    spec(template.spec, config);
    return template;
  }

  private static void spec(RevisionSpec spec, DefaultsConfig config) {
    if (spec.timeoutSeconds == null || spec.timeoutSeconds == 0) {
      spec.timeoutSeconds = config.revisionTimeoutSeconds();
    }
    if (spec.containerConcurrency == null) {
      spec.containerConcurrency = config.containerConcurrency();
    }
    long start = config.revisionResponseStartTimeoutSeconds();
    if (spec.responseStartTimeoutSeconds == null && start != 0 && start < spec.timeoutSeconds) {
      spec.responseStartTimeoutSeconds = start;
    }
    long idle = config.revisionIdleTimeoutSeconds();
    if (spec.idleTimeoutSeconds == null && idle != 0 && idle < spec.timeoutSeconds) {
      spec.idleTimeoutSeconds = idle;
    }
    if (spec.containers != null) {
      for (int i = 0; i < spec.containers.size(); i++) {
        Container c = spec.containers.get(i);
        if (c != null && Names.isEmpty(c.name)) {
          c.name =
              spec.containers.size() == 1
                  ? config.containerName()
                  : config.containerName() + "-" + i;
        }
      }
    }
  }

  private static void traffic(List<TrafficTarget> traffic) {
    if (traffic == null) {
      return;
    }
    for (TrafficTarget t : traffic) {
      if (t == null) {
        continue;
      }
      if (t.latestRevision == null) {
        t.latestRevision = Names.isEmpty(t.revisionName);
      }
      if (t.percent == null) {
        t.percent = 0L;
      }
    }
  }
}
