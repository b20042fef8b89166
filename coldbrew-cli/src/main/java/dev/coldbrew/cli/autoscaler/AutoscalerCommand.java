package dev.coldbrew.cli.autoscaler;

import picocli.CommandLine.Command;

/** {@code coldbrew autoscaler}: run Knative's KPA offline on your own numbers. */
@Command(
    name = "autoscaler",
    description = "Run the autoscaler offline: decide on given observations, simulate a trace.",
    mixinStandardHelpOptions = true)
public class AutoscalerCommand {}
