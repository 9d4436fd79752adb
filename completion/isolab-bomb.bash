# bash completion for isolab-bomb(1)                          -*- shell-script -*-
# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2207,SC2034
# (SC2207: COMPREPLY=($(compgen ...)) is the completion idiom; SC2034: _init_completion sets them)
#
# Kinds and each kind's options come from the binary (isolab-bomb --list-kinds,
# isolab-bomb --list-options KIND); only the values of a few options are here.

_isolab_bomb()
{
    local cur prev words cword split
    _init_completion -s -n : || return

    # the kind is the first word that names one (options may come before it)
    local bomb=${words[0]} kind="" i k kinds
    kinds=$("$bomb" --list-kinds 2>/dev/null)
    for ((i = 1; i < cword && ${#kind} == 0; i++)); do
        for k in $kinds; do
            [[ ${words[i]} == "$k" ]] && kind=$k && break
        done
    done

    case $prev in
        --engine)
            COMPREPLY=($(compgen -W 'native stress-ng' -- "$cur"))
            return
            ;;
        --mode)
            case $kind in
                mem) COMPREPLY=($(compgen -W 'fill bandwidth' -- "$cur")) ;;
                disk) COMPREPLY=($(compgen -W 'mixed write read' -- "$cur")) ;;
            esac
            return
            ;;
        --proto)
            case $kind in
                net-recv) COMPREPLY=($(compgen -W 'tcp udp both' -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W 'tcp udp' -- "$cur")) ;;
            esac
            return
            ;;
        --dir)
            _filedir -d
            return
            ;;
        --duration | --intensity | --ready-fd | --threads | --bytes | --max-procs | \
            --size | --block-size | --to | --listen | --streams | --msg-size)
            return
            ;;
    esac

    if [[ -z $kind ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$("$bomb" --list-options 2>/dev/null)" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$kinds" -- "$cur"))
        fi
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("$bomb" --list-options 2>/dev/null)
            $("$bomb" --list-options "$kind" 2>/dev/null)" -- "$cur"))
    fi
} &&
    complete -F _isolab_bomb isolab-bomb

# ex: filetype=sh
