"""Thin bridge for the task YAMLs' `!function utils.NAME` (lm-eval looks beside the YAML file);
the logic lives in clt_plugin.tasks."""

from clt_plugin.tasks import dolly, mgsm, synth, xlsum

load_mgsm = mgsm.load
mgsm_doc_to_text = mgsm.doc_to_text
mgsm_doc_to_target = mgsm.doc_to_target
mgsm_chat_doc_to_text = mgsm.chat_doc_to_text
mgsm_chat_doc_to_target = mgsm.chat_doc_to_target
mgsm_process_results = mgsm.process_results

load_xlsum = xlsum.load
xlsum_doc_to_text = xlsum.doc_to_text
xlsum_doc_to_target = xlsum.doc_to_target
xlsum_process_results = xlsum.process_results

load_dolly = dolly.load
dolly_doc_to_text = dolly.doc_to_text
dolly_doc_to_target = dolly.doc_to_target
dolly_process_results = dolly.process_results

load_synth = synth.load
synth_doc_to_text = synth.doc_to_text
synth_doc_to_target = synth.doc_to_target
synth_process_results = synth.process_results
