# bash completion for isolab(1)                               -*- shell-script -*-
# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2207,SC2034
# (SC2207: COMPREPLY=($(compgen ...)) is the completion idiom; SC2034: _init_completion sets them)
#
# Commands and options come from the binary itself (isolab --list-commands,
# isolab COMMAND --list-options), phase names from the scenario on the command
# line (isolab check --list-phases), so this file never lists them twice.

# The phases of the scenario named on the command line, or of the built-in
# default; a sweep's members are offered by their base name, which selects
# them all (and holds no '=' for readline to split on).
_isolab_phases()
{
    local isolab=$1 scenario=$2
    if [[ -n $scenario && -r $scenario ]]; then
        "$isolab" check --list-phases "$scenario" 2>/dev/null
    else
        "$isolab" check --list-phases <("$isolab" run --print-default 2>/dev/null) 2>/dev/null
    fi | sed 's/\[.*//' | sort -u
}

_isolab()
{
    local cur prev words cword split
    _init_completion -s -n : || return

    # isolab COMMAND ...: the command is always the first word
    local isolab=${words[0]} cmd="" i scenario="" nargs=0
    ((cword > 1)) && cmd=${words[1]}
    for ((i = 2; i < cword; i++)); do
        case ${words[i]} in
            -r | --results | --phases | --backend | --url | --user | --password-file | \
                --ca-file | --dom0 | --cgroup-root | -f | --scenario | -o | --out | \
                --format | --protected-pct | --partial-pct | --min-degradation-pct | \
                --confidence | --min-effect | --seed | -w | --weight | -c | --cap | \
                --phase | --knob | --slo | --target | --max-time | --step-rounds | \
                --resolution | --start | --max-cap | --slo-target | --same-within | -l | \
                --labels)
                [[ ${words[i]} == -f || ${words[i]} == --scenario ]] && scenario=${words[i + 1]}
                ((i++))
                ;;
            -*) ;;
            *)
                ((nargs++))
                [[ $cmd == @(run|check|deploy) && $nargs -eq 1 ]] && scenario=${words[i]}
                ;;
        esac
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$("$isolab" --list-commands 2>/dev/null)" -- "$cur"))
        fi
        return
    fi

    case $prev in
        -r | --results | -o | --out | --cgroup-root)
            _filedir -d
            return
            ;;
        --password-file | --ca-file)
            _filedir
            return
            ;;
        -f | --scenario)
            _filedir ini
            return
            ;;
        --backend)
            COMPREPLY=($(compgen -W 'local xenapi xl' -- "$cur"))
            return
            ;;
        --format)
            local done=""
            [[ $cur == *,* ]] && done=${cur%,*},
            COMPREPLY=($(compgen -P "$done" -W 'html csv md json' -- "${cur##*,}"))
            compopt -o nospace 2>/dev/null
            return
            ;;
        --phase)
            COMPREPLY=($(compgen -W "$(_isolab_phases "$isolab" "${scenario:-${words[2]}}")" \
                -- "$cur"))
            return
            ;;
        --phases)
            local done=""
            [[ $cur == *,* ]] && done=${cur%,*},
            COMPREPLY=($(compgen -P "$done" -W "$(_isolab_phases "$isolab" "$scenario")" \
                -- "${cur##*,}"))
            compopt -o nospace 2>/dev/null
            return
            ;;
        --url | --user | --dom0 | --protected-pct | --partial-pct | \
            --min-degradation-pct | --confidence | --min-effect | --seed | \
            --slo-target | --same-within | -l | --labels | --target | \
            --max-time | --step-rounds | --resolution | --start | --max-cap | \
            -w | --weight | -c | --cap)
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("$isolab" "$cmd" --list-options 2>/dev/null)" -- "$cur"))
        return
    fi

    case $cmd in
        run | check | deploy | advise)
            ((nargs == 0)) && _filedir ini
            ;;
        report)
            ((nargs == 0)) && _filedir -d
            ;;
        compare)
            _filedir -d
            ;;
        sched)
            ((nargs == 0)) && COMPREPLY=($(compgen -W 'get set' -- "$cur"))
            ;;
    esac
} &&
    complete -F _isolab isolab

# ex: filetype=sh
