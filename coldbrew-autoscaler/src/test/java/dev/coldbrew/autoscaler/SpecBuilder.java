package dev.coldbrew.autoscaler;

import java.time.Duration;

/** Test helper: a DeciderSpec with Knative's defaults, changed field by field. */
final class SpecBuilder {
  double target = 70;
  double total = 100;
  double tbc = 211;
  double threshold = 2;
  double up = 1000;
  double down = 2;
  double activatorCapacity = 100;
  Duration stableWindow = Duration.ofSeconds(60);
  Duration delay = Duration.ZERO;
  int activationScale;
  int initialScale = 1;
  boolean reachable = true;
  ScalingMetric metric = ScalingMetric.CONCURRENCY;

  static SpecBuilder spec() {
    return new SpecBuilder();
  }

  SpecBuilder target(double target, double total) {
    this.target = target;
    this.total = total;
    return this;
  }

  SpecBuilder tbc(double v) {
    tbc = v;
    return this;
  }

  SpecBuilder threshold(double v) {
    threshold = v;
    return this;
  }

  SpecBuilder rates(double upRate, double downRate) {
    up = upRate;
    down = downRate;
    return this;
  }

  SpecBuilder delay(Duration v) {
    delay = v;
    return this;
  }

  SpecBuilder activationScale(int v) {
    activationScale = v;
    return this;
  }

  SpecBuilder reachable(boolean v) {
    reachable = v;
    return this;
  }

  DeciderSpec build() {
    return new DeciderSpec(
        target,
        total,
        tbc,
        threshold,
        up,
        down,
        activatorCapacity,
        stableWindow,
        DeciderSpec.panicWindow(stableWindow, 10),
        delay,
        activationScale,
        initialScale,
        reachable,
        metric,
        false);
  }
}
