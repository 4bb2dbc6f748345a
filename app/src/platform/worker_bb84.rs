//! BB84 jobs for the background worker: one simulator run (the Lab page's
//! Run button, a link's establishment) and one plot's series.

use core::ops::ControlFlow;

use shared::bb84::lab::{SeriesRequest, SeriesResult, run_series};
use shared::bb84::{Progress, RunParams, RunReport, Stage};

use super::worker::{Job, ProgressSink};

/// Words for a stage, as the progress bar shows them.
pub fn stage_label(stage: Stage) -> &'static str {
    match stage {
        Stage::Quantum => "Sending and measuring photons",
        Stage::Reconciliation => "Correcting errors (Cascade)",
        Stage::Amplification => "Privacy amplification",
    }
}

fn forward(sink: &mut ProgressSink) -> impl FnMut(Progress) -> ControlFlow<()> + '_ {
    |p: Progress| {
        #[allow(clippy::cast_precision_loss)]
        sink.report(p.done as f64, p.total as f64, stage_label(p.stage));
        ControlFlow::Continue(())
    }
}

/// One whole run. Output: the public report; returned bytes: the final key
/// (empty when the run aborted). The page treats those bytes as secret.
pub struct Bb84Run;

impl Job for Bb84Run {
    const NAME: &'static str = "bb84.run";
    type Input = RunParams;
    type Output = RunReport;

    async fn run(input: RunParams, _payload: Vec<u8>, sink: &mut ProgressSink) -> Result<(RunReport, Vec<u8>), String> {
        let out = shared::bb84::run_with_progress(&input, &mut forward(sink)).map_err(|e| e.to_string())?;
        let key = out.key.map(|k| k.to_bytes()).unwrap_or_default();
        Ok((out.report, key))
    }
}

/// The points of one Lab plot.
pub struct Bb84Series;

impl Job for Bb84Series {
    const NAME: &'static str = "bb84.series";
    type Input = SeriesRequest;
    type Output = SeriesResult;

    async fn run(
        input: SeriesRequest,
        _payload: Vec<u8>,
        sink: &mut ProgressSink,
    ) -> Result<(SeriesResult, Vec<u8>), String> {
        let result = run_series(&input, &mut forward(sink)).map_err(|e| e.to_string())?;
        Ok((result, Vec::new()))
    }
}
