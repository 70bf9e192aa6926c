//! Shrinking a diverging input while it still diverges the same way: cut the end, drop
//! chunks (halving their size), then zero bytes, within a budget of runs. Smaller inputs make
//! shorter sequences, so the case written holds little beyond the fault.

/// The smallest input found for which `still` holds, and the runs spent. `still(data)` must
/// hold at the start; an error from it (the host could not be run) ends the search.
pub fn minimize(
    data: &[u8],
    budget: usize,
    mut still: impl FnMut(&[u8]) -> anyhow::Result<bool>,
) -> anyhow::Result<(Vec<u8>, usize)> {
    let mut best = data.to_vec();
    let mut tries = 0;
    let mut attempt = |cand: Vec<u8>, best: &mut Vec<u8>, tries: &mut usize| {
        if *tries >= budget {
            return Ok(false);
        }
        *tries += 1;
        if still(&cand)? {
            *best = cand;
            return Ok(true);
        }
        anyhow::Ok(false)
    };
    // Truncations first: the cheapest big steps.
    let mut keep = best.len() / 2;
    while keep > 0 && tries < budget {
        if !attempt(best[..keep].to_vec(), &mut best, &mut tries)? {
            break;
        }
        keep = best.len() / 2;
    }
    let mut chunk = (best.len() / 2).max(1);
    loop {
        let mut at = best.len().saturating_sub(chunk);
        loop {
            if tries >= budget {
                break;
            }
            let mut cand = best.clone();
            cand.drain(at..(at + chunk).min(best.len()));
            attempt(cand, &mut best, &mut tries)?;
            if at == 0 {
                break;
            }
            at = at.saturating_sub(chunk).min(best.len().saturating_sub(1));
        }
        if chunk == 1 || tries >= budget {
            break;
        }
        chunk /= 2;
    }
    for i in 0..best.len() {
        if tries >= budget {
            break;
        }
        if best[i] != 0 {
            let mut cand = best.clone();
            cand[i] = 0;
            attempt(cand, &mut best, &mut tries)?;
        }
    }
    Ok((best, tries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_what_the_property_needs() {
        let data: Vec<u8> = (1..=200).collect();
        // "Diverges" while 77 is present and there are at least 3 bytes.
        let (min, tries) =
            minimize(&data, 10_000, |d| Ok(d.contains(&77) && d.len() >= 3)).unwrap();
        assert_eq!(min.len(), 3, "{min:?}");
        assert!(min.contains(&77));
        assert_eq!(min.iter().filter(|&&b| b != 0).count(), 1, "{min:?}");
        assert!(tries < 10_000);
    }

    #[test]
    fn stops_at_the_budget() {
        let data = vec![1u8; 1000];
        let mut runs = 0;
        let (min, tries) = minimize(&data, 5, |_| {
            runs += 1;
            Ok(false)
        })
        .unwrap();
        assert_eq!((runs, tries), (5, 5));
        assert_eq!(min, data);
    }
}
